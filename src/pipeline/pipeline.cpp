#include "pairrm/pipeline/pipeline.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <deque>
#include <numeric>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

namespace pairrm {

namespace {

// One input line while it is in the window.
struct Slot {
  std::size_t line = 0;
  std::string raw;
  std::string output;  // set when finished
  bool done = false;
  Task task;
  TokenIds source_part;
  std::vector<const TokenIds*> candidate_pieces;  // into `distinct`, one per candidate
  std::vector<std::unique_ptr<TokenIds>> distinct;  // each distinct candidate text encoded once
  Matrix logits;
};

struct Job {
  Slot* slot;
  PairRequest pair;
  std::size_t length;
};

class Runner {
 public:
  Runner(RecordHandler& handler, const TextEncoder& encoder, const Layout& layout, const std::vector<Scorer*>& scorers,
         const PipelineOptions& options, const std::function<void(const Summary&)>& progress)
      : handler_(handler), encoder_(encoder), layout_(layout), scorers_(scorers), options_(options), progress_(progress) {
    if (scorers_.empty()) throw Error("no scorer given to the pipeline (this is a bug)");
  }

  Summary run(JsonlReader& in, std::ostream& out) {
    std::deque<std::unique_ptr<Slot>> window;
    std::vector<Job> jobs;
    bool eof = false;
    while (true) {
      while (!eof && !fatal_ && window.size() < options_.window_records && jobs.size() < options_.window_pairs) {
        if (!in.next()) {
          eof = true;
          break;
        }
        window.push_back(admit(in, jobs));
      }
      while (!window.empty() && window.front()->done) {
        if (fatal_ && window.front()->line == fatal_->line) {
          out.flush();
          throw Error(describe(*fatal_));
        }
        out << window.front()->output << '\n';
        ++summary_.written;
        summary_.bytes_written += window.front()->raw.size() + 1;
        window.pop_front();
      }
      out.flush();
      if (jobs.empty()) {
        if ((eof || fatal_) && window.empty()) break;
        continue;
      }
      std::vector<Job> wave;
      wave.swap(jobs);
      run_wave(wave);
      // Records of this wave ask for their next round, or finish.
      std::vector<Slot*> touched;
      for (const Job& j : wave) touched.push_back(j.slot);
      std::sort(touched.begin(), touched.end(), [](const Slot* a, const Slot* b) { return a->line < b->line; });
      touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
      for (Slot* s : touched) advance(*s, jobs);
    }
    return summary_;
  }

 private:
  std::unique_ptr<Slot> admit(JsonlReader& in, std::vector<Job>& jobs) {
    auto slot = std::make_unique<Slot>();
    slot->line = in.line();
    slot->raw = std::string(in.raw());
    ++summary_.records;
    auto parsed = in.parsed();
    if (auto e = error_of(parsed)) {
      fail(*slot, *e);
      return slot;
    }
    auto task = handler_.make_task(std::get<JsonObject>(parsed));
    if (auto e = error_of(task)) {
      fail(*slot, *e);
      return slot;
    }
    slot->task = std::move(std::get<Task>(task));
    tokenize(*slot);
    slot->logits = nan_matrix(slot->task.candidates.size());
    advance(*slot, jobs);
    return slot;
  }

  void fail(Slot& slot, const InputError& e) {
    ++summary_.errors;
    // With --on-error fail, reading stops here; the records before this one are finished and
    // written, then run() throws when this one reaches the head of the window.
    if (options_.on_error == OnError::Fail && !fatal_) fatal_ = e;
    slot.output = error_object(e);
    slot.done = true;
  }

  void tokenize(Slot& slot) {
    slot.source_part = layout_.source_part(encoder_.source(slot.task.source));
    std::unordered_map<std::string_view, const TokenIds*> seen;
    for (const std::string& text : slot.task.candidates) {
      auto it = seen.find(text);
      if (it == seen.end()) {
        slot.distinct.push_back(std::make_unique<TokenIds>(encoder_.candidate(text)));
        it = seen.emplace(text, slot.distinct.back().get()).first;
      }
      slot.candidate_pieces.push_back(it->second);
    }
  }

  void advance(Slot& slot, std::vector<Job>& jobs) {
    auto pairs = slot.task.planner->next_round(slot.logits);
    if (pairs.empty()) {
      slot.output = handler_.finish(slot.raw, slot.task, slot.logits);
      slot.done = true;
      return;
    }
    for (const PairRequest& p : pairs) {
      const std::size_t len = layout_.pair_length(slot.source_part.size(), slot.candidate_pieces[p.first]->size(),
                                                  slot.candidate_pieces[p.second]->size());
      jobs.push_back({&slot, p, len});
    }
  }

  void run_wave(std::vector<Job>& wave) {
    // Longest first; equal lengths keep their arrival order, so batches are reproducible.
    std::stable_sort(wave.begin(), wave.end(), [](const Job& a, const Job& b) { return a.length > b.length; });
    std::vector<std::size_t> lengths(wave.size());
    std::transform(wave.begin(), wave.end(), lengths.begin(), [](const Job& j) { return j.length; });
    const auto ranges = cut_batches(lengths, limits_);

    // A producer thread builds batch k+1 while the scorers run batch k: one thread per scorer (one
    // per device) takes built batches from a short queue. Every logit lands in its own matrix cell, so
    // scorers never write the same memory.
    std::mutex mu;
    std::condition_variable changed;
    std::deque<Built> ready;
    bool produced_all = false;
    std::exception_ptr failure;
    auto consume = [&](Scorer& scorer) {
      while (true) {
        Built b;
        {
          std::unique_lock<std::mutex> lock(mu);
          changed.wait(lock, [&] { return !ready.empty() || produced_all || failure; });
          if (failure || ready.empty()) return;
          b = std::move(ready.front());
          ready.pop_front();
        }
        changed.notify_all();
        try {
          score(scorer, wave, b, mu);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!failure) failure = std::current_exception();
          changed.notify_all();
          return;
        }
      }
    };
    auto produce = [&] {
      try {
        for (auto [begin, end] : ranges) {
          Built b = build(wave, begin, end);
          std::unique_lock<std::mutex> lock(mu);
          changed.wait(lock, [&] { return ready.size() < 2 * scorers_.size() || failure; });
          if (failure) break;
          ready.push_back(std::move(b));
          changed.notify_all();
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failure) failure = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        produced_all = true;
      }
      changed.notify_all();
    };
    // The first scorer runs on this thread: the model's large tensors then come from the main
    // malloc arena, which the CLI tunes to keep and reuse its pages (src/cli/main.cpp).
    std::vector<std::thread> threads;
    threads.emplace_back(produce);
    for (std::size_t i = 1; i < scorers_.size(); ++i) threads.emplace_back(consume, std::ref(*scorers_[i]));
    consume(*scorers_[0]);
    for (auto& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
  }

  // A batch ready for a scorer: rows [begin, end) of the wave.
  struct Built {
    std::size_t begin = 0, end = 0;
    Batch batch;
  };

  Built build(const std::vector<Job>& wave, std::size_t begin, std::size_t end) const {
    Built b{begin, end, {}};
    Batch& batch = b.batch;
    batch.rows = static_cast<int64_t>(end - begin);
    batch.length = static_cast<int64_t>(padded_length(wave[begin].length));
    batch.ids.reserve(batch.rows * batch.length);
    batch.mask.reserve(batch.rows * batch.length);
    for (std::size_t k = begin; k < end; ++k) {
      const Job& j = wave[k];
      const Slot& s = *j.slot;
      const std::size_t row_start = batch.ids.size();
      auto markers = layout_.build(s.source_part, *s.candidate_pieces[j.pair.first], *s.candidate_pieces[j.pair.second], batch.ids);
      const std::size_t used = batch.ids.size() - row_start;
      batch.ids.resize(row_start + batch.length, layout_.tokens().pad);
      batch.mask.insert(batch.mask.end(), used, 1);
      batch.mask.insert(batch.mask.end(), batch.length - used, 0);
      batch.markers.insert(batch.markers.end(), markers.begin(), markers.end());
    }
    return b;
  }

  void score(Scorer& scorer, std::vector<Job>& wave, Built& b, std::mutex& mu) {
    std::vector<float> logits;
    try {
      logits = scorer.score(b.batch);
    } catch (const OutOfMemory&) {
      if (b.end - b.begin == 1) throw;
      // Split the batch and lower the budget for the rest of the run; nothing is lost or repeated.
      {
        std::lock_guard<std::mutex> lock(mu);
        limits_.max_tokens = std::max<std::size_t>(limits_.max_tokens / 2, 1);
      }
      const std::size_t mid = b.begin + (b.end - b.begin) / 2;
      Built first = build(wave, b.begin, mid), second = build(wave, mid, b.end);
      score(scorer, wave, first, mu);
      score(scorer, wave, second, mu);
      return;
    }
    if (logits.size() != b.end - b.begin) throw Error("the model returned a wrong number of logits (this is a bug)");
    std::size_t tokens = 0;
    for (std::size_t k = b.begin; k < b.end; ++k) {
      const Job& j = wave[k];
      j.slot->logits[j.pair.first][j.pair.second] = logits[k - b.begin];
      tokens += j.length;
    }
    std::lock_guard<std::mutex> lock(mu);
    summary_.pairs += b.end - b.begin;
    summary_.tokens += tokens;
    summary_.padded_tokens += static_cast<std::size_t>(b.batch.rows * b.batch.length);
    ++summary_.batches;
    if (progress_) progress_(summary_);
  }

  RecordHandler& handler_;
  const TextEncoder& encoder_;
  const Layout& layout_;
  const std::vector<Scorer*>& scorers_;
  const PipelineOptions& options_;
  const std::function<void(const Summary&)>& progress_;
  BatchLimits limits_ = options_.limits;
  Summary summary_;
  std::optional<InputError> fatal_;
};

}  // namespace

Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, const std::vector<Scorer*>& scorers, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& progress) {
  return Runner(handler, encoder, layout, scorers, options, progress).run(in, out);
}

Summary run_pipeline(JsonlReader& in, std::ostream& out, RecordHandler& handler, const TextEncoder& encoder,
                     const Layout& layout, Scorer& scorer, const PipelineOptions& options,
                     const std::function<void(const Summary&)>& progress) {
  const std::vector<Scorer*> one{&scorer};
  return run_pipeline(in, out, handler, encoder, layout, one, options, progress);
}

}  // namespace pairrm
