#include "chat_turns.hpp"

#include <algorithm>
#include <array>

namespace pairrm::serve {

namespace {

// A template's turn markup: a turn is open + role + after_role, then content, then close.
struct Markup {
  std::string_view open, after_role, close;
  std::string_view assistant_role;  // the role name the template gives the assistant
};
constexpr std::array<Markup, 4> kMarkups{{
    {"<|im_start|>", "\n", "<|im_end|>", "assistant"},                             // ChatML (Qwen, ...)
    {"<|start_header_id|>", "<|end_header_id|>\n\n", "<|eot_id|>", "assistant"},  // Llama 3
    {"<start_of_turn>", "\n", "<end_of_turn>", "model"},                          // Gemma
    {"<|", "|>\n", "<|end|>", "assistant"},                                       // Phi-3
}};
constexpr std::array<std::string_view, 11> kEndTokens{
    "<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>", "</s>", "<end_of_turn>",
    "<eos>", "<|end|>", "<|eom_id|>", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>", "<|eos|>"};
constexpr std::array<std::string_view, 4> kBeginTokens{"<|begin_of_text|>", "<bos>", "<s>", "<|startoftext|>"};

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

std::string_view strip_end_tokens(std::string_view s) {
  for (bool again = true; again;) {
    again = false;
    s = trim(s);
    for (std::string_view t : kEndTokens) {
      if (ends_with(s, t)) {
        s.remove_suffix(t.size());
        again = true;
      }
    }
  }
  return s;
}

std::string_view strip_begin_tokens(std::string_view s) {
  for (bool again = true; again;) {
    again = false;
    s.remove_prefix(std::min(s.size(), s.find_first_not_of(" \t\r\n")));
    for (std::string_view t : kBeginTokens) {
      if (starts_with(s, t)) {
        s.remove_prefix(t.size());
        again = true;
      }
    }
  }
  return s;
}

bool known_role(std::string_view role) {
  return role == "user" || role == "assistant" || role == "system" || role == "model";
}

std::string role_name(std::string_view role, const Markup& m) {
  if (role == m.assistant_role || role == "assistant") return "assistant";
  if (role == "system") return "system";
  return "user";
}

// The turns of `text` in markup `m`; an unclosed last turn is kept (an assistant opener with no
// content yet is dropped). Nothing when the text does not start with a turn of this markup.
std::vector<Turn> turns_of(std::string_view text, const Markup& m) {
  std::vector<Turn> turns;
  text = strip_begin_tokens(text);
  while (!text.empty()) {
    if (!starts_with(text, m.open)) return {};
    text.remove_prefix(m.open.size());
    // The role, then after_role; an opener at the very end may have lost its trailing whitespace.
    std::string_view after_role = m.after_role;
    auto role_end = text.find(after_role);
    if (role_end == std::string_view::npos) {
      after_role = trim(after_role);
      role_end = after_role.empty() ? std::string_view::npos : text.find(after_role);
      if (role_end == std::string_view::npos) role_end = text.size();
    }
    const std::string_view role = trim(text.substr(0, role_end));
    if (!known_role(role)) return {};
    text.remove_prefix(std::min(text.size(), role_end + after_role.size()));
    const auto close = text.find(m.close);
    const std::string_view content = text.substr(0, close);
    turns.push_back({role_name(role, m), std::string(trim(content))});
    text = close == std::string_view::npos ? std::string_view{} : trim(text.substr(close + m.close.size()));
  }
  if (!turns.empty() && turns.back().role == "assistant" && turns.back().content.empty()) turns.pop_back();
  return turns;
}

// Mistral's [INST] ... [/INST] answer</s>[INST] ...
std::vector<Turn> inst_turns(std::string_view text) {
  std::vector<Turn> turns;
  text = strip_begin_tokens(text);
  while (starts_with(text, "[INST]")) {
    text.remove_prefix(6);
    const auto end = text.find("[/INST]");
    if (end == std::string_view::npos) return {};
    turns.push_back({"user", std::string(trim(text.substr(0, end)))});
    text = text.substr(end + 7);
    const auto next = text.find("[INST]");
    const std::string_view answer = strip_end_tokens(text.substr(0, next));
    if (!answer.empty()) turns.push_back({"assistant", std::string(answer)});
    text = next == std::string_view::npos ? std::string_view{} : text.substr(next);
  }
  return trim(text).empty() ? turns : std::vector<Turn>{};
}

std::vector<Turn> conversation_of(std::string_view prompt) {
  for (const Markup& m : kMarkups) {
    auto turns = turns_of(prompt, m);
    if (!turns.empty()) return turns;
  }
  if (auto turns = inst_turns(prompt); !turns.empty()) return turns;
  return {{"user", std::string(strip_begin_tokens(prompt))}};
}

// Where the response starts in a query without its prompt: after the last assistant opener.
std::optional<std::size_t> response_start(std::string_view query) {
  std::optional<std::size_t> best;
  auto consider = [&](std::string_view opener) {
    const auto at = query.rfind(opener);
    if (at != std::string_view::npos && (!best || at + opener.size() > *best)) best = at + opener.size();
  };
  for (const Markup& m : kMarkups) {
    consider(std::string(m.open) + std::string(m.assistant_role) + std::string(m.after_role));
  }
  consider("[/INST]");
  return best;
}

}  // namespace

std::variant<Exchange, std::string> split_query(std::string_view query, std::optional<std::string_view> prompt) {
  std::string_view prompt_part, response;
  // The query may carry a begin-of-text token its prompt lacks (or the other way round).
  const std::string_view bare_query = strip_begin_tokens(query);
  const std::string_view bare_prompt = prompt ? strip_begin_tokens(*prompt) : std::string_view{};
  if (prompt && starts_with(query, *prompt)) {
    prompt_part = *prompt;
    response = query.substr(prompt->size());
  } else if (prompt && !bare_prompt.empty() && starts_with(bare_query, bare_prompt)) {
    prompt_part = bare_prompt;
    response = bare_query.substr(bare_prompt.size());
  } else if (auto at = response_start(query)) {
    prompt_part = query.substr(0, *at);
    response = query.substr(*at);
  } else if (prompt) {
    return std::string("does not start with its prompt, and has no assistant turn of a known chat template");
  } else {
    return std::string("has no assistant turn of a known chat template: send \"prompts\" to say where the response starts");
  }
  Exchange e;
  e.conversation = conversation_of(prompt_part);
  // Turns before the response must end with the user's; a trailing assistant turn is the response's
  // own opener in a template this does not know, and an empty one says nothing.
  while (!e.conversation.empty() && e.conversation.back().role != "user") e.conversation.pop_back();
  if (e.conversation.empty()) return std::string("its prompt has no user turn");
  e.response = std::string(strip_end_tokens(response));
  return e;
}

}  // namespace pairrm::serve
