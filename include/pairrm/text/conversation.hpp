// Turning a record's prompt or conversation into the source text and candidate texts the model
// reads, per the model file's template (docs/conversations.md has the exact strings and where they
// come from).
//   llm-blender (PairRM): a plain prompt is the source as is. A conversation follows LLM-Blender's
//     compare_conversations: the source is the instruction followed by "USER: u\nAssistant:
//     <Response i>" per user turn (joined by "\n"); a candidate is "<Response i>: a" per assistant
//     turn (joined by "\n"), its last turn being the candidate's own text.
//   better-pairrm: reward-bench's Vicuna-1.1-like template: "USER: ", "ASSISTANT: " or
//     "SYSTEM MESSAGE: " + the trimmed content per message, messages separated by a blank line,
//     ending with "ASSISTANT: " unless the last message is the assistant's; a plain prompt is one
//     user message. Candidates are the final assistant turns as they are.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pairrm/io/jsonl.hpp"

namespace pairrm {

enum class Template { LlmBlender, BetterPairRM };
// A model file's template name (its recipe's "template") as the enum: "better-pairrm", else
// LLM-Blender's.
inline Template template_named(std::string_view name) {
  return name == "better-pairrm" ? Template::BetterPairRM : Template::LlmBlender;
}

enum class Role { User, Assistant, System };

struct Message {
  Role role;
  std::string content;
};

// The instruction LLM-Blender puts before a conversation (its typo "coversation" included).
inline constexpr std::string_view kLlmBlenderInstruction =
    "Finish the following coversation in each i-th turn by filling in <Response i> with your response.";

struct Rendered {
  std::string source;
  std::vector<std::string> candidates;
};

// `key`: an array of {"role": "user"|"assistant"|"system", "content": str} (roles case-insensitive).
Result<std::vector<Message>> read_messages(const JsonObject& object, std::string_view key);

// The source and candidates of a record that has either `prompt_key` (a string) or "messages" (a
// conversation ending before the candidates' turn), and candidate final turns `finals`.
Result<Rendered> render_record(const JsonObject& object, std::string_view prompt_key,
                               const std::vector<std::string_view>& finals, Template t);

// Two whole conversations that share their user turns and end with an assistant turn each
// (compare's {"conversation_a", "conversation_b"}): source plus the two candidates.
Result<Rendered> render_conversation_pair(const JsonObject& object, std::string_view key_a, std::string_view key_b,
                                          Template t);

// The Better-PairRM template on a conversation (exposed for tests and `tokenize`).
std::string render_better_pairrm(const std::vector<Message>& messages);

}  // namespace pairrm
