// How a pair becomes the model's input: the recipe (limits, truncation, markers, the text round
// trip, the conversation template) and the special token ids, as a model file records them
// (io/model_info.hpp reads them from pairrm.json).
#pragma once

#include <optional>
#include <string>

namespace pairrm {

// How (prompt, candidate1, candidate2) becomes one id sequence (docs/model.md 5.2, 5.3).
struct Recipe {
  std::string name;              // "pairrm" or "better-pairrm"
  int source_max_length = 1224;  // S, special ids included
  int candidate_max_length = 412;
  int total_max_length = 2048;   // T = S + 2C
  bool source_keeps_end = false;  // left truncation of the source (candidates: always right)
  bool source_marker_separate = false;  // [CLS] <|source|> [SEP] [CLS] prompt.. [SEP]
  // reward-bench's text round trip (TextEncoder): each text is cut to S or C ids, decoded and
  // encoded again before the layout (Better-PairRM); with clean_up_spaces, transformers'
  // clean_up_tokenization runs on the decoded text (tokenizer_config.json's
  // clean_up_tokenization_spaces, true in the published checkpoints).
  bool text_round_trip = false;
  bool clean_up_spaces = true;
  // The round trip's cuts: the model file's limits, which run-time limits do not lower (reward-bench
  // cuts texts to 2030 / 670 ids whatever limits its tokenize_pair is given).
  int text_source_max_length = 0, text_candidate_max_length = 0;
  std::string template_name = "llm-blender";  // conversation rendering: llm-blender | better-pairrm
};

struct SpecialTokens {
  int pad = 0, cls = 1, sep = 2, unk = 3;
  int source = 128001, candidate1 = 128002, candidate2 = 128003;
};

// The recipe with run-time limits applied: they may only lower the exported ones. Throws Error.
Recipe with_limits(Recipe recipe, std::optional<int> source_max_length, std::optional<int> candidate_max_length);

}  // namespace pairrm
