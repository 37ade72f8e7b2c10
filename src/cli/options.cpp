#include "options.hpp"

#include <charconv>

#include "pairrm/did_you_mean.hpp"

namespace pairrm::cli {

namespace {

// The long form of "-m,--model".
std::string long_flag(std::string_view flag) {
  const auto comma = flag.rfind(',');
  return std::string(comma == std::string_view::npos ? flag : flag.substr(comma + 1));
}

bool is_subcommand(const CLI::App& app, const std::string& word) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == word) return true;
  }
  return false;
}

}  // namespace

void CliAdder::reference(ReferenceOption r, const OptionDoc& d) {
  if (!(d.places & kCli)) return;
  auto check = CLI::Validator(
      [](std::string& value) -> std::string {
        ReferenceChoice choice = ReferenceChoice::None;
        std::size_t index = 0;
        return parse_reference(value, choice, index).value_or("");
      },
      "", "reference");
  CLI::Option* option = app.add_option(std::string(d.flag))
                            ->description(std::string(d.help))
                            ->type_size(1)
                            ->check(check)
                            ->each([r](const std::string& value) { parse_reference(value, r.choice, r.index); });
  keep(d, option, [r] { return reference_text(r.choice, r.index); });
}

void CliAdder::keep(const OptionDoc& d, CLI::Option* option, std::function<std::string()> value) {
  registered.entries.push_back({std::string(d.field), long_flag(d.flag), option, d.output, std::move(value)});
}

GivenOptions Registered::given() const {
  GivenOptions out;
  for (const auto& e : entries) {
    if (e.option->count() > 0) out.insert(e.field);
  }
  return out;
}

bool Registered::given(std::string_view field) const {
  for (const auto& e : entries) {
    if (e.field == field) return e.option->count() > 0;
  }
  return false;
}

std::string Registered::flag(std::string_view field) const {
  for (const auto& e : entries) {
    if (e.field == field) return e.flag;
  }
  return std::string(field);
}

std::vector<std::string_view> Registered::flags() const {
  std::vector<std::string_view> out;
  for (const auto& e : entries) out.push_back(e.flag);
  return out;
}

std::vector<std::pair<std::string, std::string>> Registered::output_values() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : entries) {
    if (e.output) out.emplace_back(e.flag, e.value());
  }
  return out;
}

void Registered::set_value(std::string_view field, std::string value) {
  for (auto& e : entries) {
    if (e.field == field) e.value = [value] { return value; };
  }
}

CLI::Validator at_least(uint64_t min) {
  return CLI::Validator(
      [min](std::string& value) -> std::string {
        uint64_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || n < min) {
          return "expects a whole number of at least " + std::to_string(min) + ", got \"" + value + "\"";
        }
        return "";
      },
      min == 1 ? "POSITIVE" : "AT_LEAST_" + std::to_string(min), "at least " + std::to_string(min));
}

std::string usage_hint(const CLI::App& app, const CLI::ParseError& e, const std::vector<std::string>& args) {
  const CLI::App* used = nullptr;
  std::vector<std::string_view> names;
  for (const CLI::App* sub : app.get_subcommands({})) {
    names.push_back(sub->get_name());
    if (sub->parsed()) used = sub;
  }
  std::string list;
  for (const auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  // Options before the subcommand ("pairrm -m M rank").
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (is_subcommand(app, args[i]) && args[0].rfind('-', 0) == 0) {
      return "; options go after the subcommand: pairrm " + args[i] + " " + args[0] + " ...";
    }
  }
  if (!used) {
    // A misspelt subcommand ("pairrm rnak").
    for (const std::string& word : args) {
      if (word.rfind('-', 0) == 0) continue;
      if (auto near = closest_name(word, names)) {
        return "; \"" + word + "\" is not a subcommand: did you mean " + *near + "? The subcommands are " + list + " (pairrm --help)";
      }
      return "; \"" + word + "\" is not a subcommand; they are " + list + " (pairrm --help)";
    }
    return "; the subcommands are " + list + " (pairrm --help)";
  }
  const std::string where = "pairrm " + used->get_name();
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    std::vector<std::string> owned;
    for (const CLI::Option* opt : used->get_options()) {
      for (const std::string& l : opt->get_lnames()) owned.push_back("--" + l);
    }
    const std::vector<std::string_view> flags(owned.begin(), owned.end());
    for (const std::string& extra : used->remaining()) {
      if (extra.rfind("--", 0) != 0) continue;
      const std::string name = extra.substr(0, extra.find('='));
      std::string hint = "; " + name + " is not an option of " + where;
      if (auto near = closest_name(name, flags)) hint += ": did you mean " + *near + "?";
      return hint + " (" + where + " --help)";
    }
    return "; " + where + " reads one input file (-i FILE, or FILE, or stdin); to join several: cat A B | " + where;
  }
  return "; see " + where + " --help";
}

void settle_input(CommonOptions& o) {
  if (o.input_file.empty()) return;
  if (o.input != "-") throw Error("the input is given twice (-i " + o.input + " and " + o.input_file + "); give one");
  o.input = o.input_file;
}

void add_record_options(CLI::App& app, Registered& registered, CommonOptions& o, bool run) {
  registered.add(app, [](CliAdder& a, CommonOptions& c) { visit_input_options(a, c); }, o);
  app.add_option("input", o.input_file, "JSONL input file (the same as -i FILE)");
  registered.add(app, [](CliAdder& a, CommonOptions& c) { visit_engine_options(a, c); }, o);
  registered.add(app, [](CliAdder& a, CommonOptions& c) { visit_flow_options(a, c); }, o);
  if (run) registered.add(app, [](CliAdder& a, CommonOptions& c) { visit_run_options(a, c); }, o);
}

}  // namespace pairrm::cli
