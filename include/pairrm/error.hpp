// The error taxonomy (docs/style.md, item 3). Library code never prints or exits: it returns
// InputError values for bad records and throws Error for everything that stops a run.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace pairrm {

// A problem with one input record. It takes that record's place in the output; the run goes on.
struct InputError {
  std::size_t line = 0;  // 1-based input line number
  std::string field;     // the JSON field at fault, "" for the whole line
  std::string message;
};

// A model, option or environment problem: the run stops with exit code 1. The message names the
// file or option, says what is wrong and what to do.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The device ran out of memory for one batch; the pipeline splits the batch and retries.
class OutOfMemory : public Error {
 public:
  using Error::Error;
};

}  // namespace pairrm
