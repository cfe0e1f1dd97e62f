// The `text` dataset (characters or bytes of a text file or folder, its vocabulary built from
// the train part, its encoded stream cached), `dataset:PROPERTY` keys, and what sampling draws.
#include "unit/catch.hpp"
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "engine/jobs/text_sampler.hpp"
#include "engine/jobs/token_text.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/runtime/modules/dataset_module.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

/// Hearth's cache folder pointed at a fresh folder for as long as it lives.
class CacheFolder {
 public:
  CacheFolder() { ::setenv("HEARTH_CACHE_DIR", dir_.path().c_str(), 1); }
  ~CacheFolder() { ::unsetenv("HEARTH_CACHE_DIR"); }
  fs::path path() const { return dir_.path(); }

 private:
  TempDir dir_;
};

std::unique_ptr<DatasetModule> text_dataset(const std::string& toml_text) {
  static TempDir cache;
  static PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  const ModuleEntry& e = reg.find(HEARTH_CATEGORY_DATASET, "text");
  ModuleRef ref = load_module(e.file, HEARTH_CATEGORY_DATASET, "text");
  toml::table t = toml::parse(toml_text);
  return std::make_unique<DatasetModule>(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", "text", {}}));
}

std::string file_key(const fs::path& p) { return "file = '" + p.string() + "'\n"; }

/// The text of window `i` of `split` decoded through the dataset's classes (input, target).
std::pair<std::string, std::string> window_text(const DatasetModule& d, hearth_split split, int64_t i) {
  TokenText codec(d.class_names());
  std::vector<at::Tensor> w = d.get(split, i);
  std::pair<std::string, std::string> out;
  for (int64_t k = 0; k < w[0].size(0); ++k) {
    out.first += codec.decode(w[0][k].item<int64_t>());
    out.second += codec.decode(w[1][k].item<int64_t>());
  }
  return out;
}

size_t cached_files(const fs::path& cache) {
  size_t n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(cache / "text", ec), end; !ec && it != end; it.increment(ec)) n += it->path().extension() == ".tokens";
  return n;
}

}  // namespace

TEST_CASE("text at character level: a vocabulary from the train part and next-token windows in order", "[text]") {
  CacheFolder cache;
  TempDir dir;
  // 90 characters of train text, then 10 of valid text holding 'Z' and 'é', which train lacks.
  std::string text;
  while (text.size() < 90) text += "abc de\n";
  text.resize(90);
  text += "ab Z\xC3\xA9 cdea";  // 10 characters, 11 bytes
  std::ofstream(dir / "t.txt", std::ios::binary) << text;
  auto d = text_dataset(file_key(dir / "t.txt") + "block_size = 4\nvalid_tail = 0.1\n");
  CHECK(d->class_names() == std::vector<std::string>({"<unk>", "\n", " ", "a", "b", "c", "d", "e"}));
  CHECK(d->size(HEARTH_SPLIT_TRAIN) == (90 - 5) / 4 + 1);
  CHECK(d->size(HEARTH_SPLIT_VALID) == (10 - 5) / 4 + 1);
  CHECK(window_text(*d, HEARTH_SPLIT_TRAIN, 0) == std::make_pair(std::string("abc "), std::string("bc d")));
  CHECK(window_text(*d, HEARTH_SPLIT_TRAIN, 2) == std::make_pair(text.substr(8, 4), text.substr(9, 4)));
  // The characters train lacks are <unk> (id 0), decoded as U+FFFD.
  CHECK(window_text(*d, HEARTH_SPLIT_VALID, 0).first == "ab \xEF\xBF\xBD");
  CHECK(d->get(HEARTH_SPLIT_VALID, 0)[1][3].item<int64_t>() == 0);  // é
  CHECK(cached_files(cache.path()) == 1);

  // The same text again comes from the cache; an edited one is encoded again.
  auto again = text_dataset(file_key(dir / "t.txt") + "block_size = 4\nvalid_tail = 0.1\n");
  CHECK(window_text(*again, HEARTH_SPLIT_TRAIN, 1) == window_text(*d, HEARTH_SPLIT_TRAIN, 1));
  CHECK(cached_files(cache.path()) == 1);
  std::ofstream(dir / "t.txt", std::ios::binary) << "xyzw" << text.substr(4);
  auto edited = text_dataset(file_key(dir / "t.txt") + "block_size = 4\nvalid_tail = 0.1\n");
  CHECK(window_text(*edited, HEARTH_SPLIT_TRAIN, 0).first == "xyzw");
  CHECK(edited->class_names().size() == 12);  // w, x, y, z in; none out ("abc " is still there)
}

TEST_CASE("text at byte level: 256 tokens named by their character or <0xNN> and any bytes but NUL", "[text]") {
  CacheFolder cache;
  TempDir dir;
  std::ofstream(dir / "b.txt", std::ios::binary) << std::string("caf\xC3\xA9 \xFF\xFE latin-1 bytes are fine here\n", 33);
  auto d = text_dataset(file_key(dir / "b.txt") + "level = 'byte'\nblock_size = 8\nvalid_tail = 0\n");
  REQUIRE(d->class_names().size() == 256);
  CHECK(d->class_names()[10] == "<0x0A>");
  CHECK(d->class_names()['a'] == "a");
  CHECK(d->class_names()[0xC3] == "<0xC3>");
  CHECK(d->size(HEARTH_SPLIT_VALID) == 0);
  CHECK(window_text(*d, HEARTH_SPLIT_TRAIN, 0).first == "caf\xC3\xA9 \xFF\xFE");  // bytes decode back as they were
  CHECK(d->get(HEARTH_SPLIT_TRAIN, 0)[0][4].item<int64_t>() == 0xA9);
}

TEST_CASE("text refuses binary, non-UTF-8, empty and too short text and folders holding more than files", "[text]") {
  CacheFolder cache;
  TempDir dir;
  std::ofstream(dir / "nul.txt", std::ios::binary) << std::string("some text\0more", 14);
  CHECK_THROWS_WITH(text_dataset(file_key(dir / "nul.txt")),
                    ContainsSubstring("holds a NUL byte at offset 9: it is a binary file, not text"));
  std::ofstream(dir / "latin1.txt", std::ios::binary) << "caf\xE9 au lait";
  CHECK_THROWS_WITH(text_dataset(file_key(dir / "latin1.txt")),
                    ContainsSubstring("latin1.txt is not UTF-8 at byte offset 3; convert it (iconv -t UTF-8) or set level = \"byte\""));
  std::ofstream(dir / "overlong.txt", std::ios::binary) << "a\xC0\xAF";
  CHECK_THROWS_WITH(text_dataset(file_key(dir / "overlong.txt")), ContainsSubstring("is not UTF-8 at byte offset 1"));
  std::ofstream(dir / "empty.txt");
  CHECK_THROWS_WITH(text_dataset(file_key(dir / "empty.txt")), ContainsSubstring("empty.txt hold no text"));
  std::ofstream(dir / "short.txt") << std::string(200, 'a');
  CHECK_THROWS_WITH(text_dataset(file_key(dir / "short.txt") + "block_size = 64\n"),
                    ContainsSubstring("the valid part (the last 10%) of " + (dir / "short.txt").string() +
                                      " holds 20 characters, fewer than block_size + 1 = 65"));
  CHECK_THROWS_WITH(text_dataset("block_size = 4\n"), ContainsSubstring("give `file` (one text file) or `folder`"));

  fs::create_directories(dir / "books");
  std::ofstream(dir / "books" / "a.txt") << std::string(100, 'a');
  std::ofstream(dir / "books" / ".hidden") << "\0";
  auto folder = text_dataset("folder = '" + (dir / "books").string() + "'\nblock_size = 4\n");
  CHECK(folder->class_names() == std::vector<std::string>({"<unk>", "a"}));
  fs::create_symlink(dir / "short.txt", dir / "books" / "link.txt");
  CHECK_THROWS_WITH(text_dataset("folder = '" + (dir / "books").string() + "'\nblock_size = 4\n"),
                    ContainsSubstring("link.txt is not a regular file"));
  fs::remove(dir / "books" / "link.txt");
  REQUIRE(::mkfifo((dir / "books" / "pipe.txt").c_str(), 0600) == 0);
  CHECK_THROWS_WITH(text_dataset("folder = '" + (dir / "books").string() + "'\nblock_size = 4\n"),
                    ContainsSubstring("pipe.txt is not a regular file"));
}

TEST_CASE("a vocabulary spells prompts character by character or byte by byte and refuses what it cannot", "[text][sample]") {
  TokenText chars({"<unk>", "\n", " ", "a", "b", "\xC3\xA9"});
  CHECK(chars.encode("ab \xC3\xA9\n") == std::vector<int64_t>({3, 4, 2, 5, 1}));
  CHECK_THROWS_WITH(chars.encode("abc"), ContainsSubstring("the prompt's character \"c\" (byte 2) is not in the run's vocabulary of 6 tokens"));
  CHECK(chars.decode(0) == "\xEF\xBF\xBD");
  std::vector<std::string> byte_names;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_names.push_back(b >= 0x20 && b < 0x7F ? std::string(1, static_cast<char>(b)) : name);
  }
  TokenText bytes(byte_names);
  CHECK(bytes.encode("a\xC3\xA9") == std::vector<int64_t>({'a', 0xC3, 0xA9}));
  CHECK(bytes.decode(0xC3) + bytes.decode(0xA9) == "\xC3\xA9");
}

TEST_CASE("sampling: temperature 0 is the most likely token, a seed draws the same tokens and top-k stays in the top k", "[sample]") {
  torch::manual_seed(3);
  at::Tensor logits = torch::randn({50});
  SamplingOptions greedy;
  greedy.temperature = 0;
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(1);
  CHECK(draw_token(logits, greedy, g) == logits.argmax().item<int64_t>());

  SamplingOptions top3;
  top3.top_k = 3;
  auto [values, top] = logits.topk(3);
  std::set<int64_t> allowed;
  for (int64_t i = 0; i < 3; ++i) allowed.insert(top[i].item<int64_t>());
  std::set<int64_t> seen;
  for (int i = 0; i < 500; ++i) seen.insert(draw_token(logits, top3, g));
  CHECK(seen == allowed);  // all three drawn in 500 tries, nothing else

  auto draws = [&](uint64_t seed) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    std::vector<int64_t> out;
    SamplingOptions o;
    for (int i = 0; i < 40; ++i) out.push_back(draw_token(logits, o, gen));
    return out;
  };
  CHECK(draws(7) == draws(7));
  CHECK(draws(7) != draws(8));
}

TEST_CASE("dataset:PROPERTY keys size a model from its data and bad ones are refused where they are written", "[text][jobs]") {
  TempDir runs, cache;
  const std::string smoke = "run " + std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml --set train.epochs=1 --runs-dir " +
                            runs.path().string();
  CommandResult bound = run_hearth(smoke + " --set dataset.input_shape=[2,5] --set dataset.classes=4"
                                           " --set model.in_features='\"dataset:input_features\"'"
                                           " --set model.out_features='\"dataset:classes\"'",
                                   cache.path());
  INFO(bound.output);
  REQUIRE(bound.exit_code == 0);
  const fs::path run = single_run(runs.path());
  const std::string job = read_text(run / "job.toml");
  CHECK_THAT(job, ContainsSubstring("in_features = \"dataset:input_features\"") && ContainsSubstring("out_features = \"dataset:classes\""));
  CHECK_THAT(read_text(run / "model.txt"), ContainsSubstring("linear0") && ContainsSubstring("[2, 32]") && ContainsSubstring("[2, 4]"));
  CHECK(nlohmann::json::parse(read_text(run / "run.json"))["classes"].size() == 4);

  auto refused = [&](const std::string& sets) {
    CommandResult r = run_hearth("check " + std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml " + sets, cache.path());
    INFO(r.output);
    CHECK(r.exit_code == 2);
    return r.output;
  };
  CHECK_THAT(refused("--set model.out_features='\"dataset:vocab\"'"),
             ContainsSubstring("the dataset has no property 'vocab'; these exist: classes, input_features, input_shape"));
  CHECK_THAT(refused("--set model.in_features='\"dataset:input_shape\"'"),
             ContainsSubstring("in_features takes int values, but dataset:input_shape gives an int list"));
  CHECK_THAT(refused("--set optimizer.lr='\"dataset:classes\"'"),
             ContainsSubstring("lr cannot take a dataset property: only [model], [[losses]] and [[metrics]] keys can"));
  CHECK_THAT(refused("--set model.depth='\"dataset:classes\"'"), ContainsSubstring("unknown key 'depth'"));
  CommandResult classless = run_hearth(smoke + " --set dataset.classes=0 --set model.out_features='\"dataset:classes\"'", cache.path());
  CHECK(classless.exit_code == 2);
  CHECK_THAT(classless.output, ContainsSubstring("[model] out_features = \"dataset:classes\", but dataset") &&
                                   ContainsSubstring("names no classes"));
}
