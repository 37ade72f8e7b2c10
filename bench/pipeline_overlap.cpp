// Does reading and tokenizing overlap scoring? The pipeline on generated rank records with fake
// scorers, timed in one run:
//   T_read:  an instant scorer, so the wall time is reading, parsing and encoding (plus the rest);
//   T_score: a scorer that sleeps d per pair, d chosen so that the sleeps add up to T_read (the
//            case where overlap matters most);
//   W:       the pipeline with that sleeping scorer.
// Without overlap W ~ T_read + T_score; with it W ~ max(T_read, T_score). Prints both ratios.
//   build/pipeline_overlap [records] [candidates] [words per text] [spm.model]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "pairrm/pipeline/pipeline.hpp"
#include "pairrm/tasks/rank.hpp"

using namespace pairrm;
using Clock = std::chrono::steady_clock;

namespace {

class SleepScorer : public Scorer {
 public:
  explicit SleepScorer(std::chrono::nanoseconds per_pair) : per_pair_(per_pair) {}
  std::vector<float> score(const Batch& b) override {
    if (per_pair_.count()) std::this_thread::sleep_for(per_pair_ * b.rows);
    return std::vector<float>(static_cast<std::size_t>(b.rows), 0.5f);
  }

 private:
  std::chrono::nanoseconds per_pair_;
};

std::string make_input(int records, int candidates, int words) {
  static const char* vocab[] = {"the", "answer", "is", "because", "model", "token", "rank", "pairs", "café", "日本",
                                "quickly", "42", "reasoning", "step", "therefore", "however", "x", "!"};
  std::mt19937 rng(1);
  auto text = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += std::string(i ? " " : "") + vocab[rng() % (sizeof vocab / sizeof *vocab)];
    return s;
  };
  std::string out;
  for (int r = 0; r < records; ++r) {
    out += "{\"prompt\":\"" + text(words / 2) + "\",\"candidates\":[";
    for (int c = 0; c < candidates; ++c) out += std::string(c ? "," : "") + "\"" + text(words) + "\"";
    out += "]}\n";
  }
  return out;
}

double run(const std::string& input, const TextEncoder& encoder, const Layout& layout, Scorer& scorer, Summary& s) {
  std::istringstream in(input);
  std::ostringstream out;
  JsonlReader reader(in);
  RankHandler handler(RankOptions{});
  PipelineOptions options;
  options.window_records = 64;
  const auto start = Clock::now();
  s = run_pipeline(reader, out, handler, encoder, layout, scorer, options);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int records = argc > 1 ? std::stoi(argv[1]) : 600;
  const int candidates = argc > 2 ? std::stoi(argv[2]) : 4;
  const int words = argc > 3 ? std::stoi(argv[3]) : 300;
  const std::string spm_path = argc > 4 ? argv[4] : "../shared/models/deberta-v3-spm.model";
  std::ifstream f(spm_path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "cannot read %s\n", spm_path.c_str());
    return 1;
  }
  std::stringstream spm;
  spm << f.rdbuf();
  const Tokenizer tokenizer(spm.str());
  Recipe recipe;
  recipe.name = "pairrm";
  const TextEncoder encoder(tokenizer, recipe);
  const Layout layout(recipe, SpecialTokens{});
  const std::string input = make_input(records, candidates, words);

  Summary s;
  SleepScorer instant(std::chrono::nanoseconds(0));
  run(input, encoder, layout, instant, s);  // warm-up
  const double t_read = run(input, encoder, layout, instant, s);
  const auto per_pair = std::chrono::nanoseconds(static_cast<long long>(t_read * 1e9 / static_cast<double>(s.pairs)));
  SleepScorer sleeping(per_pair);
  const double t_score = std::chrono::duration<double>(per_pair * s.pairs).count();
  const double wall = run(input, encoder, layout, sleeping, s);
  std::printf("records %d x %d candidates, %d words each, %zu pairs\n", records, candidates, words, s.pairs);
  std::printf("T_read %.3f s (instant scorer), T_score %.3f s (sleeps), W %.3f s (both)\n", t_read, t_score, wall);
  std::printf("W / (T_read + T_score) = %.2f   (1.00 = no overlap)\n", wall / (t_read + t_score));
  std::printf("W / max(T_read, T_score) = %.2f (1.00 = full overlap)\n", wall / std::max(t_read, t_score));
  return 0;
}
