// What the pipeline tests share: a tokenizer trained here, a PairRM recipe, and a stand-in model.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <sentencepiece_trainer.h>

#include "helpers.hpp"
#include "pairrm/error.hpp"
#include "pairrm/runtime/scorer.hpp"
#include "pairrm/text/layout.hpp"
#include "pairrm/text/text_encoder.hpp"
#include "pairrm/text/tokenizer.hpp"

namespace pairrm::test {

// A small unigram vocabulary trained here, in memory, from a few sentences: the pipeline, stop and
// reading-stage tests need a tokenizer that behaves like one (pieces, unknown characters, long
// texts), not DeBERTa-v3's, so they run on a clone without the real vocabulary.
inline const Tokenizer& tokenizer() {
  static const Tokenizer t([] {
    class Corpus : public sentencepiece::SentenceIterator {
     public:
      bool done() const override { return i_ >= lines_.size(); }
      void Next() override { ++i_; }
      const std::string& value() const override { return lines_[i_]; }
      sentencepiece::util::Status status() const override { return {}; }

     private:
      std::vector<std::string> lines_ = [] {
        const char* base[] = {"what is x? x is alpha, x is beta gamma; no.", "the quick brown fox jumps over the lazy dog",
                              "a prompt and two candidates: which answer is better?", "hello big world, hello again",
                              "Paris is the capital of France. Lyon is a city.", "one two three four five six seven"};
        std::vector<std::string> out;
        for (int k = 0; k < 40; ++k) {
          for (const char* b : base) out.push_back(std::string(b) + " " + std::to_string(k));
        }
        return out;
      }();
      std::size_t i_ = 0;
    } corpus;
    std::string model;
    const auto status = sentencepiece::SentencePieceTrainer::Train(
        "--model_type=unigram --vocab_size=64 --hard_vocab_limit=false --character_coverage=1.0 --minloglevel=2", &corpus, &model);
    REQUIRE_MESSAGE(status.ok(), status.ToString());
    return model;
  }());
  return t;
}

inline Recipe recipe() {
  Recipe r;
  r.name = "pairrm";
  return r;
}

inline const TextEncoder& encoder() {
  static Recipe r = recipe();
  static TextEncoder e(tokenizer(), r);
  return e;
}

// A stand-in model: the logit depends only on the pair's own ids, never on the batch. It also
// checks the layout invariants of every row it gets.
class FakeScorer : public Scorer {
 public:
  std::size_t calls = 0, rows = 0, fail_above = 0;
  std::vector<float> score(const Batch& b) override {
    ++calls;
    if (fail_above && static_cast<std::size_t>(b.rows) > fail_above) throw OutOfMemory("injected");
    rows += b.rows;
    std::vector<float> out;
    for (int64_t r = 0; r < b.rows; ++r) {
      const int64_t* ids = &b.ids[r * b.length];
      const int64_t* mask = &b.mask[r * b.length];
      const int64_t* m = &b.markers[r * 3];
      CHECK(ids[m[0]] == 128001);
      CHECK(ids[m[1]] == 128002);
      CHECK(ids[m[2]] == 128003);
      int64_t used = 0;
      for (int64_t k = 0; k < b.length; ++k) used += mask[k];
      for (int64_t k = used; k < b.length; ++k) CHECK(ids[k] == 0);
      auto segment = [&](int64_t from, int64_t to) {
        double s = 0;
        for (int64_t k = from; k < to; ++k) s += static_cast<double>(ids[k] % 97);
        return s / 100.0;
      };
      out.push_back(static_cast<float>(segment(m[1], m[2]) - segment(m[2], used) + 0.125));
    }
    return out;
  }
};

}  // namespace pairrm::test
