#include "pairrm/text/conversation.hpp"

#include <fmt/format.h>

#include "pairrm/text/utf8.hpp"

namespace pairrm {

namespace {

// jinja's trim filter: Python's str.strip(), which removes every str.isspace() code point.
std::string_view trim(std::string_view s) {
  std::size_t begin = 0;
  while (begin < s.size()) {
    const auto cp = utf8::decode_at(s, begin);
    if (!utf8::python_space(cp.value)) break;
    begin += cp.length;
  }
  std::size_t end = s.size();
  while (end > begin) {
    const std::size_t start = utf8::previous_start(s, end);
    if (!utf8::python_space(utf8::decode_at(s, start).value)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

const char* role_prefix(Role r) {
  switch (r) {
    case Role::User: return "USER: ";
    case Role::Assistant: return "ASSISTANT: ";
    case Role::System: return "SYSTEM MESSAGE: ";
  }
  return "";
}

// LLM-Blender's format needs user, assistant, user, ... strictly alternating, no system turns.
std::optional<InputError> check_alternating(const std::vector<Message>& m, std::string_view key, std::size_t line,
                                            bool end_with_assistant) {
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i].role == Role::System) {
      return InputError{line, fmt::format("{}[{}].role", key, i),
                        "a system turn: PairRM's conversation format (LLM-Blender) has none; drop it, or use a "
                        "Better-PairRM model"};
    }
    const Role want = i % 2 == 0 ? Role::User : Role::Assistant;
    if (m[i].role != want) {
      return InputError{line, fmt::format("{}[{}].role", key, i),
                        fmt::format("expected \"{}\": PairRM's conversation format alternates user and assistant turns, "
                                    "starting with the user",
                                    want == Role::User ? "user" : "assistant")};
    }
  }
  const bool ends_with_assistant = !m.empty() && m.back().role == Role::Assistant;
  if (ends_with_assistant != end_with_assistant) {
    return InputError{line, std::string(key),
                      end_with_assistant ? "must end with an assistant turn"
                                         : "must end with a user turn (the candidates are the assistant's reply)"};
  }
  return std::nullopt;
}

std::string llm_blender_source(const std::vector<Message>& m) {
  std::string out(kLlmBlenderInstruction);  // upstream concatenates with no separator
  int k = 0;
  for (const Message& msg : m) {
    if (msg.role != Role::User) continue;
    if (k) out += '\n';
    out += fmt::format("USER: {}\nAssistant: <Response {}>", msg.content, ++k);
  }
  return out;
}

std::string llm_blender_candidate(const std::vector<Message>& m, std::string_view final_turn) {
  std::string out;
  int k = 0;
  for (const Message& msg : m) {
    if (msg.role != Role::Assistant) continue;
    if (k) out += '\n';
    out += fmt::format("<Response {}>: {}", ++k, msg.content);
  }
  if (k) out += '\n';
  out += fmt::format("<Response {}>: {}", k + 1, final_turn);
  return out;
}

}  // namespace

Result<std::vector<Message>> read_messages(const JsonObject& object, std::string_view key) {
  auto items = object.object_array(key, {"role", "content"});
  if (auto e = error_of(items)) return *e;
  std::vector<Message> out;
  std::size_t i = 0;
  for (const auto& item : std::get<std::vector<std::vector<std::string_view>>>(items)) {
    const std::string where = fmt::format("{}[{}]", key, i++);
    const std::string_view role = item[0], content = item[1];
    std::string lower(role);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Role r;
    if (lower == "user") {
      r = Role::User;
    } else if (lower == "assistant") {
      r = Role::Assistant;
    } else if (lower == "system") {
      r = Role::System;
    } else {
      return object.error(where + ".role", fmt::format("unknown role \"{}\": expected user, assistant or system", role));
    }
    out.push_back({r, std::string(content)});
  }
  if (out.empty()) return object.error(std::string(key), "empty conversation");
  return out;
}

std::string render_better_pairrm(const std::vector<Message>& messages) {
  // reward-bench's jinja template renders "\n    \n    " between messages (its indentation leaks
  // into the output); SentencePiece folds any whitespace run to one space, so a blank line gives the
  // same ids and reads better.
  std::string out;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i) out += "\n\n";
    out += role_prefix(messages[i].role);
    out += trim(messages[i].content);
  }
  if (messages.empty() || messages.back().role != Role::Assistant) {
    if (!messages.empty()) out += "\n\n";
    out += "ASSISTANT: ";
  }
  return out;
}

Result<Rendered> render_record(const JsonObject& object, std::string_view prompt_key,
                               const std::vector<std::string_view>& finals, Template t) {
  Rendered r;
  if (object.has("messages")) {
    if (object.has(prompt_key)) {
      return object.error(std::string(prompt_key), "give either a prompt or \"messages\", not both");
    }
    auto messages = read_messages(object, "messages");
    if (auto e = error_of(messages)) return *e;
    const auto& m = std::get<std::vector<Message>>(messages);
    if (t == Template::LlmBlender) {
      if (auto e = check_alternating(m, "messages", object.line(), false)) return *e;
      r.source = llm_blender_source(m);
      for (auto f : finals) r.candidates.push_back(llm_blender_candidate(m, f));
    } else {
      r.source = render_better_pairrm(m);
      for (auto f : finals) r.candidates.emplace_back(f);
    }
    return r;
  }
  auto prompt = object.string(prompt_key);
  if (auto e = error_of(prompt)) return *e;
  const std::string_view p = std::get<std::string_view>(prompt);
  r.source = t == Template::BetterPairRM ? render_better_pairrm({{Role::User, std::string(p)}}) : std::string(p);
  for (auto f : finals) r.candidates.emplace_back(f);
  return r;
}

Result<Rendered> render_conversation_pair(const JsonObject& object, std::string_view key_a, std::string_view key_b,
                                          Template t) {
  auto a = read_messages(object, key_a);
  if (auto e = error_of(a)) return *e;
  auto b = read_messages(object, key_b);
  if (auto e = error_of(b)) return *e;
  const auto& ma = std::get<std::vector<Message>>(a);
  const auto& mb = std::get<std::vector<Message>>(b);
  if (ma.size() != mb.size()) {
    return object.error(std::string(key_b), fmt::format("has {} turns, {} has {}: the conversations must share their user turns",
                                                        mb.size(), key_a, ma.size()));
  }
  for (std::size_t i = 0; i < ma.size(); ++i) {
    if (ma[i].role != mb[i].role) {
      return object.error(fmt::format("{}[{}].role", key_b, i), fmt::format("differs from {}[{}].role", key_a, i));
    }
    if ((ma[i].role == Role::User || ma[i].role == Role::System) && ma[i].content != mb[i].content) {
      return object.error(fmt::format("{}[{}].content", key_b, i),
                          fmt::format("user turns differ from {}[{}]: compare needs the same user turns", key_a, i));
    }
  }
  Rendered r;
  if (t == Template::LlmBlender) {
    if (auto e = check_alternating(ma, key_a, object.line(), true)) return *e;
    const std::vector<Message> head_a(ma.begin(), ma.end() - 1), head_b(mb.begin(), mb.end() - 1);
    r.source = llm_blender_source(ma);
    r.candidates = {llm_blender_candidate(head_a, ma.back().content), llm_blender_candidate(head_b, mb.back().content)};
  } else {
    if (ma.back().role != Role::Assistant) return object.error(std::string(key_a), "must end with an assistant turn");
    r.source = render_better_pairrm(std::vector<Message>(ma.begin(), ma.end() - 1));
    r.candidates = {ma.back().content, mb.back().content};
  }
  return r;
}

}  // namespace pairrm
