// Stops and failures on the paths a test with a file never walks: a producer that stays open and
// silent, a stop requested while the reader waits on it, a device that fails while another is
// mid-batch. Each run is watched: a hang fails the test instead of holding the suite.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <random>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>

#include "pairrm/io/byte_input.hpp"
#include "pairrm/io/jsonl.hpp"
#include "pairrm/pipeline/pipeline.hpp"
#include "pairrm/tasks/rank.hpp"
#include "pipeline_fixtures.hpp"

using namespace pairrm;
using Clock = std::chrono::steady_clock;


namespace {

// A pipe whose write end the test holds open: the producer that has not said its last word.
struct OpenPipe {
  int fds[2] = {-1, -1};
  OpenPipe() { REQUIRE(::pipe(fds) == 0); }
  ~OpenPipe() {
    ::close(fds[0]);
    if (fds[1] >= 0) ::close(fds[1]);
  }
  std::string path() const { return "/dev/fd/" + std::to_string(fds[0]); }
  void write(const std::string& s) const { REQUIRE(::write(fds[1], s.data(), s.size()) == static_cast<ssize_t>(s.size())); }
};

// An output the test can read while the pipeline writes it.
class SharedSink : public std::streambuf {
 public:
  std::string str() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      std::lock_guard<std::mutex> lock(mu_);
      text_ += static_cast<char>(c);
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::mutex> lock(mu_);
    text_.append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

// Runs `f` on a thread; a run that does not end within `limit` fails the test and ends the process
// (a thread blocked for good cannot be joined).
template <typename F>
double seconds_to_finish(F&& f, double limit = 10) {
  const auto start = Clock::now();
  auto done = std::async(std::launch::async, std::forward<F>(f));
  if (done.wait_for(std::chrono::duration<double>(limit)) != std::future_status::ready) {
    std::fprintf(stderr, "test_stops: the run did not end within %.0f s (a wait that ignores stops)\n", limit);
    std::_Exit(1);
  }
  done.get();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool wait_for_text(SharedSink& sink, const std::string& needle, double limit) {
  const auto end = Clock::now() + std::chrono::duration<double>(limit);
  while (Clock::now() < end) {
    if (sink.str().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

const char* kLine = R"({"id":1,"prompt":"p","candidates":["a b","c"]})" "\n";

}  // namespace

TEST_CASE("reader on a pipe: lines split across writes are joined; cancel() ends a read on a silent pipe") {
  OpenPipe pipe;
  FdInput input(pipe.path(), nullptr);
  JsonlReader reader(input);
  pipe.write("{\"a\":");
  pipe.write("1}\n{\"b\"");
  REQUIRE(reader.next());
  CHECK(reader.raw() == "{\"a\":1}");
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    reader.cancel();
  });
  const auto start = Clock::now();
  CHECK_FALSE(reader.next());  // the second line never ends: blocked until cancelled
  canceller.join();
  CHECK(reader.stopped());
  CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 2);
}

TEST_CASE("reader: a stop request ends a read on a silent pipe; the end of input is not a stop") {
  OpenPipe pipe;
  StopSignal stop;
  FdInput input(pipe.path(), &stop);
  JsonlReader reader(input);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.request(15);
  });
  CHECK_FALSE(reader.next());
  stopper.join();
  CHECK(reader.stopped());
  CHECK(stop.request(2) == 15);  // the first value stays

  OpenPipe closed;
  FdInput ended(closed.path(), nullptr);
  JsonlReader at_end(ended);
  closed.write("{}");  // a last line without newline, then the writer goes
  ::close(closed.fds[1]);
  closed.fds[1] = -1;
  REQUIRE(at_end.next());
  CHECK(at_end.raw() == "{}");
  CHECK_FALSE(at_end.next());
  CHECK_FALSE(at_end.stopped());
}

TEST_CASE("pipeline: a line on a pipe that stays open is answered at once; a stop then ends the run") {
  OpenPipe pipe;
  StopSignal stop;
  FdInput input(pipe.path(), &stop);
  JsonlReader reader(input);
  SharedSink sink;
  std::ostream out(&sink);
  RankHandler handler(RankOptions{});
  test::FakeScorer scorer;
  const Layout layout(test::recipe(), SpecialTokens{});
  PipelineOptions options;  // a window of 512 records: it must not wait for them
  Summary summary;
  pipe.write(kLine);
  const double took = seconds_to_finish([&] {
    std::thread stopper([&] {
      CHECK(wait_for_text(sink, "\"ranks\"", 2));  // the answer, while the pipe is still open
      stop.request(15);
    });
    summary = run_pipeline(reader, out, handler, test::encoder(), layout, scorer, options, &stop);
    stopper.join();
  });
  CHECK(took < 3);
  CHECK(summary.stopped_by == 15);
  CHECK(summary.written == 1);
  CHECK(sink.str().rfind(R"({"id":1,)", 0) == 0);
}

TEST_CASE("pipeline: a device error while the producer is silent ends the run at once, naming the device") {
  class Broken : public Scorer {
    std::vector<float> score(const Batch&) override { throw Error("device fell over"); }
    std::string name() const override { return "fake:0"; }
  } broken;
  OpenPipe pipe;
  FdInput input(pipe.path(), nullptr);
  JsonlReader reader(input);
  std::ostringstream out;
  RankHandler handler(RankOptions{});
  const Layout layout(test::recipe(), SpecialTokens{});
  pipe.write(kLine);
  const double took = seconds_to_finish([&] {
    CHECK_THROWS_WITH_AS(run_pipeline(reader, out, handler, test::encoder(), layout, broken, PipelineOptions{}),
                         "fake:0: device fell over", Error);
  });
  CHECK(took < 2);
  CHECK(out.str().empty());
}

TEST_CASE("pipeline: one device fails while another is mid-batch: nothing freed under it, no line twice") {
  std::atomic<int> inside{0};
  class Slow : public test::FakeScorer {
   public:
    explicit Slow(std::atomic<int>& inside) : inside_(inside) {}
    std::vector<float> score(const Batch& b) override {
      ++inside_;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      auto out = FakeScorer::score(b);
      --inside_;
      return out;
    }
    std::string name() const override { return "fake:slow"; }

   private:
    std::atomic<int>& inside_;
  } slow(inside);
  class Broken : public Scorer {
   public:
    explicit Broken(std::atomic<int>& inside) : inside_(inside) {}
    std::vector<float> score(const Batch&) override {
      for (int k = 0; inside_ == 0 && k < 2000; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      throw Error("device fell over");  // while the slow device is inside a batch
    }
    std::string name() const override { return "fake:broken"; }

   private:
    std::atomic<int>& inside_;
  } broken(inside);
  std::string input;
  for (int i = 0; i < 40; ++i) {
    input += R"({"id":)" + std::to_string(i) + R"(,"prompt":"q","candidates":["a )" + std::to_string(i) + R"(","b"]})" "\n";
  }
  std::istringstream in(input);
  JsonlReader reader(in);
  std::ostringstream out;
  RankHandler handler(RankOptions{});
  const Layout layout(test::recipe(), SpecialTokens{});
  PipelineOptions options;
  options.limits = {1u << 20, 2};  // two pairs a batch: many batches, both devices busy
  options.window_records = 8;
  seconds_to_finish([&] {
    CHECK_THROWS_WITH_AS(run_pipeline(reader, out, handler, test::encoder(), layout, {&slow, &broken}, options),
                         "fake:broken: device fell over", Error);
  });
  CHECK(inside == 0);
  // What was written is a prefix of the input, each line once (ASan, in the sanitizer build, sees
  // any write into a freed wave).
  std::istringstream written(out.str());
  int expected = 0;
  for (std::string line; std::getline(written, line); ++expected) {
    CHECK(line.rfind(R"({"id":)" + std::to_string(expected) + ",", 0) == 0);
  }
}

TEST_CASE("pipeline: a stop at seeded moments writes exactly the finished lines, each as an uninterrupted run has it") {
  // The stop is requested from inside the k-th batch (a state, not a time): that batch and the
  // others running finish, no new batch starts, and every line written must be the uninterrupted
  // run's line (a record with dropped pairs is never finished with holes in its matrix).
  class StopAt : public test::FakeScorer {
   public:
    StopAt(StopSignal& stop, std::size_t at) : stop_(stop), at_(at) {}
    std::vector<float> score(const Batch& b) override {
      if (++seen_ == at_) stop_.request(15);
      return FakeScorer::score(b);
    }

   private:
    StopSignal& stop_;
    std::size_t at_, seen_ = 0;
  };
  std::string input;
  for (int i = 0; i < 60; ++i) {
    input += R"({"id":)" + std::to_string(i) + R"(,"prompt":"q )" + std::to_string(i) + R"(","candidates":["a )" +
             std::string(static_cast<std::size_t>(i % 7 + 1), 'x') + R"(","b c","d e f )" + std::to_string(i) +
             R"(","g"]})" "\n";
  }
  const Layout layout(test::recipe(), SpecialTokens{});
  std::mt19937 rng(2026);
  for (const RankMode mode : {RankMode::Full, RankMode::Knockout, RankMode::Bubble}) {
    RankOptions ro;
    ro.mode = mode;
    ro.matrix = true;
    RankHandler handler(ro);
    for (const std::size_t window : {std::size_t{1}, std::size_t{4}, std::size_t{512}}) {
      PipelineOptions options;
      options.window_records = window;
      options.limits = {256, 3};  // small batches: many stop moments
      std::string whole;
      std::size_t batches = 0;
      {
        std::istringstream in(input);
        JsonlReader reader(in);
        std::ostringstream out;
        test::FakeScorer scorer;
        const Summary s = run_pipeline(reader, out, handler, test::encoder(), layout, scorer, options);
        whole = out.str();
        batches = s.batches;
      }
      for (int trial = 0; trial < 4; ++trial) {
        StopSignal stop;
        StopAt scorer(stop, 1 + rng() % batches);
        std::istringstream in(input);
        JsonlReader reader(in);
        std::ostringstream out;
        const Summary s = run_pipeline(reader, out, handler, test::encoder(), layout, scorer, options, &stop);
        const std::string got = out.str();
        // A stop inside the last batches can come after the last record was finished: complete.
        CHECK((s.stopped_by == 15 || (s.stopped_by == 0 && got == whole)));
        CHECK(whole.compare(0, got.size(), got) == 0);  // a prefix of whole lines
        CHECK((got.empty() || got.back() == '\n'));
        CHECK(s.pairs_written <= s.pairs);
      }
    }
  }
}

