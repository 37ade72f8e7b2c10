#include "pairrm/text/recipe.hpp"

#include "pairrm/error.hpp"

namespace pairrm {

Recipe with_limits(Recipe recipe, std::optional<int> source_max_length, std::optional<int> candidate_max_length) {
  if (source_max_length) {
    if (*source_max_length > recipe.source_max_length) {
      throw Error("--source-max-length " + std::to_string(*source_max_length) + " is above the model's " +
                  std::to_string(recipe.source_max_length) + "; only smaller limits can be set at run time");
    }
    recipe.source_max_length = *source_max_length;
  }
  if (candidate_max_length) {
    if (*candidate_max_length > recipe.candidate_max_length) {
      throw Error("--candidate-max-length " + std::to_string(*candidate_max_length) + " is above the model's " +
                  std::to_string(recipe.candidate_max_length) + "; only smaller limits can be set at run time");
    }
    recipe.candidate_max_length = *candidate_max_length;
  }
  if (recipe.source_max_length > 1'000'000 || recipe.candidate_max_length > 1'000'000) {
    throw Error("recipe limits over 1,000,000 ids (source " + std::to_string(recipe.source_max_length) + ", candidate " +
                std::to_string(recipe.candidate_max_length) + "): not a model this tool can run");
  }
  const int min_source = recipe.source_marker_separate ? 6 : 3;
  if (recipe.source_max_length < min_source) {
    throw Error("source max length " + std::to_string(recipe.source_max_length) + " is too small: recipe " +
                recipe.name + " needs at least " + std::to_string(min_source));
  }
  if (recipe.candidate_max_length < 3) {
    throw Error("candidate max length " + std::to_string(recipe.candidate_max_length) + " is too small: at least 3");
  }
  recipe.total_max_length = recipe.source_max_length + 2 * recipe.candidate_max_length;
  return recipe;
}

}  // namespace pairrm
