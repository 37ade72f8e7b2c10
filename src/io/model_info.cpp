#include "pairrm/io/model_info.hpp"

#include <simdjson.h>

#include "pairrm/error.hpp"

namespace pairrm {

namespace {

struct Reader {
  simdjson::dom::element root;
  const std::string& origin;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(origin + ": pairrm.json " + what + ". Re-export the model with scripts/export_model.sh.");
  }
  simdjson::dom::element at(std::string_view pointer) const {
    auto v = root.at_pointer(pointer);
    if (v.error()) fail("has no " + std::string(pointer));
    return v.value_unsafe();
  }
  int integer(std::string_view pointer) const {
    auto v = at(pointer).get_int64();
    if (v.error()) fail(std::string(pointer) + " is not an integer");
    // Ids, sizes and limits: anything outside [0, 10^9] is a damaged or hostile file.
    if (v.value_unsafe() < 0 || v.value_unsafe() > 1'000'000'000) fail(std::string(pointer) + " is out of range");
    return static_cast<int>(v.value_unsafe());
  }
  std::string text(std::string_view pointer) const {
    auto v = at(pointer).get_string();
    if (v.error()) fail(std::string(pointer) + " is not a string");
    return std::string(v.value_unsafe());
  }
  // Leaves `out` as it is when the field is absent (older files).
  void optional_bool(std::string_view pointer, bool& out) const {
    auto v = root.at_pointer(pointer);
    if (v.error()) return;
    if (v.value_unsafe().get_bool().get(out)) fail(std::string(pointer) + " is not a boolean");
  }
};

}  // namespace

ModelInfo parse_model_info(std::string_view json, const std::string& origin) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  auto doc = parser.parse(padded);
  if (doc.error()) {
    throw Error(origin + ": pairrm.json is not valid JSON (" + simdjson::error_message(doc.error()) +
                "). Re-export the model with scripts/export_model.sh.");
  }
  Reader r{doc.value_unsafe(), origin};
  ModelInfo info;
  info.json = std::string(json);
  info.format_version = r.integer("/format_version");
  if (info.format_version != kFormatVersion) {
    throw Error(origin + ": model file format version " + std::to_string(info.format_version) +
                ", but this pairrm reads version " + std::to_string(kFormatVersion) +
                ". Re-export the checkpoint with this version's scripts/export_model.sh, or use the pairrm "
                "release that matches the file.");
  }
  info.model_name = r.text("/model_name");
  info.revision = r.text("/revision");
  Recipe& rc = info.recipe;
  rc.name = r.text("/recipe/name");
  rc.source_max_length = r.integer("/recipe/source_max_length");
  rc.candidate_max_length = r.integer("/recipe/candidate_max_length");
  rc.total_max_length = r.integer("/recipe/total_max_length");
  const std::string src_side = r.text("/recipe/source_truncation");
  const std::string cand_side = r.text("/recipe/candidate_truncation");
  const std::string marker = r.text("/recipe/source_marker");
  if (src_side != "left" && src_side != "right") r.fail("/recipe/source_truncation must be left or right");
  if (cand_side != "right") r.fail("/recipe/candidate_truncation must be right");
  if (marker != "inline" && marker != "separate") r.fail("/recipe/source_marker must be inline or separate");
  rc.source_keeps_end = src_side == "left";
  // Optional fields (older files): default by recipe name.
  rc.template_name = rc.name == "better-pairrm" ? "better-pairrm" : "llm-blender";
  rc.text_round_trip = rc.name == "better-pairrm";
  if (auto v = r.root.at_pointer("/recipe/template"); !v.error()) rc.template_name = r.text("/recipe/template");
  r.optional_bool("/recipe/text_round_trip", rc.text_round_trip);
  r.optional_bool("/recipe/clean_up_tokenization_spaces", rc.clean_up_spaces);
  if (rc.template_name != "llm-blender" && rc.template_name != "better-pairrm") {
    r.fail("/recipe/template must be llm-blender or better-pairrm");
  }
  rc.source_marker_separate = marker == "separate";
  if (rc.source_keeps_end && !rc.source_marker_separate) r.fail("truncates an inline source marker on the left");
  if (rc.total_max_length != rc.source_max_length + 2 * rc.candidate_max_length) {
    r.fail("/recipe/total_max_length is not source + 2 x candidate");
  }
  SpecialTokens& t = info.tokens;
  t.pad = r.integer("/tokens/pad");
  t.cls = r.integer("/tokens/cls");
  t.sep = r.integer("/tokens/sep");
  t.unk = r.integer("/tokens/unk");
  t.source = r.integer("/tokens/source");
  t.candidate1 = r.integer("/tokens/candidate1");
  t.candidate2 = r.integer("/tokens/candidate2");
  info.hidden_size = r.integer("/sizes/hidden_size");
  info.num_layers = r.integer("/sizes/num_hidden_layers");
  info.num_heads = r.integer("/sizes/num_attention_heads");
  info.vocab_size = r.integer("/sizes/vocab_size");
  info.tokenizer_sha256 = r.text("/tokenizer_sha256");
  if (auto v = r.root.at_pointer("/weights_sha256"); !v.error()) info.weights_sha256 = r.text("/weights_sha256");
  // Validates the limits the same way as run-time overrides.
  rc = with_limits(rc, std::nullopt, std::nullopt);
  rc.text_source_max_length = rc.source_max_length;
  rc.text_candidate_max_length = rc.candidate_max_length;
  return info;
}


}  // namespace pairrm
