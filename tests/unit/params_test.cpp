// Parameter validation against a module schema: every error names file, line and column.
#include "unit/catch.hpp"
#include <toml++/toml.h>

#include "engine/params/param_resolver.hpp"
#include "engine/params/suggest.hpp"

using namespace hearth;

namespace {

ModuleInfo mlp_like() {
  ModuleInfo m;
  m.category = HEARTH_CATEGORY_MODEL;
  m.name = "mlp";
  ParamInfo width{"width", HEARTH_PARAM_INT, std::string("64"), 1.0, 4096.0, {}, "Width"};
  ParamInfo lr{"lr", HEARTH_PARAM_FLOAT, std::string("0.1"), 0.0, std::nullopt, {}, "Rate"};
  ParamInfo act{"activation", HEARTH_PARAM_STRING, std::string("\"relu\""), {}, {}, {"relu", "tanh"}, "Act"};
  ParamInfo hidden{"hidden", HEARTH_PARAM_INT_LIST, std::string("[8, 4]"), 1.0, {}, {}, "Layers"};
  ParamInfo classes{"classes", HEARTH_PARAM_INT, std::nullopt, {}, {}, {}, "Number of classes"};
  m.params = {width, lr, act, hidden, classes};
  return m;
}

ParamValues resolve(const std::string& text) {
  static toml::table doc;
  doc = toml::parse(text, std::string("job.toml"));
  return resolve_params(mlp_like(), doc["model"].as_table(), ParamSource{"job.toml", "model", {"plugin"}});
}

std::string error_of(const std::string& text) {
  try {
    resolve(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("defaults fill what the table leaves out and given values are typed", "[params]") {
  ParamValues v = resolve("[model]\nplugin = \"mlp\"\nclasses = 3\nlr = 1\n");
  CHECK(std::get<int64_t>(*v.find("classes")) == 3);
  CHECK(std::get<int64_t>(*v.find("width")) == 64);
  CHECK(std::get<double>(*v.find("lr")) == 1.0);  // an integer is accepted for a float
  CHECK(std::get<std::string>(*v.find("activation")) == "relu");
  CHECK(std::get<std::vector<int64_t>>(*v.find("hidden")) == std::vector<int64_t>{8, 4});
  CHECK(to_toml_text(*v.find("lr")) == "1.0");
  CHECK(to_toml_text(*v.find("hidden")) == "[8, 4]");
}

TEST_CASE("unknown keys are errors with a suggestion and a position", "[params]") {
  std::string e = error_of("[model]\nplugin = \"mlp\"\nclasses = 3\nwidht = 5\n");
  CHECK_THAT(e, ContainsSubstring("job.toml:4:1"));
  CHECK_THAT(e, ContainsSubstring("unknown key 'widht'"));
  CHECK_THAT(e, ContainsSubstring("did you mean 'width'?"));
  CHECK_THAT(e, ContainsSubstring("model 'mlp'"));
}

TEST_CASE("wrong types ranges choices and missing keys are all reported at once", "[params]") {
  std::string e = error_of("[model]\nwidth = \"wide\"\nlr = -1.0\nactivation = \"rleu\"\nhidden = [8, 0]\n");
  CHECK_THAT(e, ContainsSubstring("job.toml:2:9: [model] model 'mlp': 'width' must be an integer, not a string"));
  CHECK_THAT(e, ContainsSubstring("'lr' = -1 is below the minimum 0"));
  CHECK_THAT(e, ContainsSubstring("\"rleu\" is not one of \"relu\", \"tanh\" (did you mean 'relu'?)"));
  CHECK_THAT(e, ContainsSubstring("'hidden' = 0 is below the minimum 1"));
  CHECK_THAT(e, ContainsSubstring("missing required key 'classes'"));
}

TEST_CASE("a value just past its bound is printed in full, not rounded onto the bound", "[params]") {
  std::string e = error_of("[model]\nclasses = 2\nlr = -0.0000001\nwidth = 4097\n");
  CHECK_THAT(e, ContainsSubstring("'lr' = -1e-07 is below the minimum 0"));
  CHECK_THAT(e, ContainsSubstring("'width' = 4097 is above the maximum 4096"));
  ParamInfo rate{"rate", HEARTH_PARAM_FLOAT, std::string("1.0000001"), {}, 1.0, {}, ""};
  CHECK_THROWS_WITH(check_default(rate), ContainsSubstring("1.0000001 is above the maximum 1"));
}

TEST_CASE("a list with an item of the wrong type names the index", "[params]") {
  std::string e = error_of("[model]\nclasses = 2\nhidden = [8, \"x\"]\n");
  CHECK_THAT(e, ContainsSubstring("'hidden' must be an array of integers, not an array at index 1"));
}

TEST_CASE("schema defaults are checked against their own rules", "[params]") {
  ParamInfo bad{"width", HEARTH_PARAM_INT, std::string("0"), 1.0, {}, {}, ""};
  CHECK_THROWS_WITH(check_default(bad), ContainsSubstring("below the minimum"));
  ParamInfo not_toml{"name", HEARTH_PARAM_STRING, std::string("unquoted"), {}, {}, {}, ""};
  CHECK_THROWS_WITH(check_default(not_toml), ContainsSubstring("is not a TOML value"));
  ParamInfo good{"rates", HEARTH_PARAM_FLOAT_LIST, std::string("[0.5, 1]"), {}, {}, {}, ""};
  CHECK(std::get<std::vector<double>>(check_default(good)) == std::vector<double>{0.5, 1.0});
}

TEST_CASE("the C accessors enforce key and type", "[params]") {
  hearth_params p;
  p.values = resolve("[model]\nclasses = 7\n");
  int64_t i = 0;
  double d = 0;
  const char* s = nullptr;
  size_t n = 0;
  CHECK(param_access::get_int(&p, "classes", &i) == HEARTH_OK);
  CHECK(i == 7);
  CHECK(param_access::get_float(&p, "classes", &d) == HEARTH_TYPE_MISMATCH);
  CHECK(param_access::get_string(&p, "nope", &s) == HEARTH_NOT_FOUND);
  CHECK(param_access::list_size(&p, "hidden", &n) == HEARTH_OK);
  CHECK(n == 2);
  CHECK(param_access::int_at(&p, "hidden", 5, &i) == HEARTH_NOT_FOUND);
  CHECK(param_access::list_size(&p, "width", &n) == HEARTH_TYPE_MISMATCH);
}

TEST_CASE("did-you-mean picks close names only", "[params]") {
  CHECK(closest_match("acuracy", {"accuracy", "recall"}) == std::optional<std::string>("accuracy"));
  CHECK_FALSE(closest_match("zzzzzz", {"accuracy", "recall"}).has_value());
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("mpl", "mlp") == 1);  // a transposition is one edit
  CHECK(closest_match("mpl", {"mse", "mlp"}) == std::optional<std::string>("mlp"));
}
