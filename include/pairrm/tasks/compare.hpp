// `pairrm compare`: is A or B the better answer? Records {"prompt" | "messages", "a", "b"}, or
// {"conversation_a", "conversation_b"}: two conversations sharing their user turns.
#pragma once

#include <string>

#include "pairrm/choices.hpp"

#include "pairrm/text/conversation.hpp"
#include "pairrm/tasks/task.hpp"

namespace pairrm {

enum class Order { AB, BA, Both };
inline constexpr Choice<Order> kOrders[] = {
    {"ab", Order::AB, "A in the first slot only"},
    {"ba", Order::BA, "B in the first slot only"},
    {"both", Order::Both, "both orders, margin = logit_ab - logit_ba"},
};

struct CompareOptions {
  std::string prompt_key = "prompt";
  std::string a_key = "a";
  std::string b_key = "b";
  std::string conversation_a_key = "conversation_a";  // or two whole conversations
  std::string conversation_b_key = "conversation_b";
  Order order = Order::Both;
  bool echo_input = true;  // false: print only the result fields (one pair from flags)
  Template templ = Template::LlmBlender;  // from the model file
};

// Fields written: logit_ab (A in the candidate1 slot), logit_ba, margin, p_a_better, winner.
// both: margin = logit_ab - logit_ba, p_a_better = sigmoid(margin / 2) (the sigmoid of the mean of
// the two orders' evidence for A); ab: margin = logit_ab; ba: margin = -logit_ba; one order:
// p_a_better = sigmoid(margin). winner: "a" if margin > 0, "b" if < 0, "tie" if exactly 0.
class CompareHandler : public RecordHandler {
 public:
  explicit CompareHandler(CompareOptions options) : options_(std::move(options)) {}
  Result<Task> make_task(const JsonObject& object) override;
  std::string finish(std::string_view raw, const Task& task, const Matrix& logits) override;

 private:
  CompareOptions options_;
};

}  // namespace pairrm
