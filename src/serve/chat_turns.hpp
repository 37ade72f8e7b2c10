// OpenRLHF's remote reward protocol sends what the policy saw and wrote as one string: its prompt
// rendered by the policy's chat template, then its response, often ending in the template's
// end-of-turn token. A pairwise model wants the conversation and the response as texts. This takes
// them apart for the templates in wide use (ChatML, Llama 3, Gemma, Phi-3, Mistral [INST]);
// docs/serve.md lists the rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pairrm::serve {

struct Turn {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

struct Exchange {
  std::vector<Turn> conversation;  // the turns before the response, the last one the user's
  std::string response;
};

// query = prompt + response. With `prompt` (OpenRLHF's "prompts"), the response is what follows
// it; without, what follows the last assistant-turn opener. Trailing end-of-turn tokens and
// surrounding whitespace leave the response. A prompt in no known template is one user turn (its
// leading begin-of-text token removed). The error says what could not be told apart.
std::variant<Exchange, std::string> split_query(std::string_view query, std::optional<std::string_view> prompt);

}  // namespace pairrm::serve
