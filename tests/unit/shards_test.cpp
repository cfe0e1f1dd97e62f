// Tar shards: written by `hearth shard`, by GNU tar and by Python's tarfile, read with random
// access by the `shards` dataset; and every way a shard can be bad named with its shard and member.
#include <cairo.h>
#include "unit/catch.hpp"
#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <turbojpeg.h>

#include <fstream>

#include "engine/core/sha256.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/runtime/library_loader.hpp"
#include "engine/runtime/modules/dataset_module.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

const std::string kFashion = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/fashion-mnist-mlp.toml";

std::unique_ptr<DatasetModule> shards_dataset(const std::string& toml) {
  static TempDir cache;
  static PluginRegistry reg = PluginRegistry::discover(isolated_discovery(cache.path(), {}));
  const ModuleEntry& e = reg.find(HEARTH_CATEGORY_DATASET, "shards");
  ModuleRef ref = load_module(e.file, HEARTH_CATEGORY_DATASET, "shards");
  toml::table t = toml::parse(toml);
  return std::make_unique<DatasetModule>(ref, resolve_params(*ref.info, &t, ParamSource{"<test>", "shards", {}}));
}

/// A `side` x `side` PNG of grey level `level`.
void write_png(const fs::path& file, int level, int side = 4) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side);
  cairo_t* cr = cairo_create(s);
  cairo_set_source_rgb(cr, level / 255.0, level / 255.0, level / 255.0);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_write_to_png(s, file.c_str());
  cairo_surface_destroy(s);
}

/// A flat grey JPEG of `w` x `h` (libjpeg-turbo's encoder).
std::string jpeg_bytes(int w, int h, int level) {
  std::vector<unsigned char> rgb(static_cast<size_t>(w * h * 3), static_cast<unsigned char>(level));
  tjhandle t = tjInitCompress();
  unsigned char* out = nullptr;
  unsigned long size = 0;
  REQUIRE(tjCompress2(t, rgb.data(), w, 0, h, TJPF_RGB, &out, &size, TJSAMP_444, 95, 0) == 0);
  std::string bytes(reinterpret_cast<char*>(out), size);
  tjFree(out);
  tjDestroy(t);
  return bytes;
}

/// `count` samples (KEY.png grey level 10*i, KEY.cls i % 2) as files in `folder`.
void write_samples(const fs::path& folder, int count) {
  fs::create_directories(folder);
  for (int i = 0; i < count; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "s%03d", i);
    write_png(folder / (std::string(key) + ".png"), 10 * i);
    std::ofstream(folder / (std::string(key) + ".cls")) << i % 2 << "\n";
  }
}

/// Python's tarfile writing `members` (name, bytes as a Python literal) into `tar`.
void python_tar(const fs::path& tar, const std::string& members) {
  const std::string script = "import io, tarfile\nwith tarfile.open('" + tar.string() +
                             "', 'w', format=tarfile.PAX_FORMAT) as t:\n"
                             "  for name, data in " + members + ":\n"
                             "    info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))\n";
  CommandResult r = run_command("/usr/bin/python3 -c \"$(cat <<'EOF'\n" + script + "EOF\n)\"");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

std::string job_text(const fs::path& folder, const std::string& train, const std::string& valid) {
  return "[job]\nname = 'shards-job'\nseed = 3\ndevice = 'cpu'\nthreads = 1\n"
         "[dataset]\nplugin = 'shards'\nfolder = '" + folder.string() + "'\ntrain = ['" + train + "']\nvalid = ['" + valid +
         "']\nbatch_size = 8\nworkers = 2\n"
         "[model]\nplugin = 'mlp'\nin_features = 48\nhidden = [8]\nout_features = 2\n"
         "[[losses]]\nplugin = 'cross_entropy'\n[[metrics]]\nplugin = 'accuracy'\n"
         "[optimizer]\nplugin = 'sgd'\nlr = 0.1\n[train]\nepochs = 2\n";
}

}  // namespace

TEST_CASE("hearth shard of the Fashion-MNIST job trains bitwise as the same job on idx", "[shards][datasets]") {
  TempDir work, cache;
  const std::string sets = " --set dataset.subsample=0.04 --set job.device=cpu --set train.epochs=2";
  const fs::path out = work / "fashion-shards";
  CommandResult made = run_hearth("shard " + kFashion + sets + " --out " + out.string() + " --shard-size 2MB", cache.path());
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  CHECK_THAT(made.output, ContainsSubstring("train = [\"train-{000000..00000"));

  const nlohmann::json manifest = nlohmann::json::parse(read_text(out / "manifest.json"));
  CHECK(manifest["splits"]["train"]["samples"] == 2160);  // 4% of the 54,000 train images
  CHECK(manifest["splits"]["valid"]["samples"] == 240);
  CHECK(manifest["splits"]["test"]["samples"] == 400);
  CHECK(manifest["classes"].size() == 10);
  CHECK(manifest["splits"]["train"]["shards"].size() > 2);
  for (const auto& s : manifest["splits"]["train"]["shards"]) CHECK(sha256_file(out / s["file"].get<std::string>()) == s["sha256"]);
  // Python's tarfile reads every shard: two members a sample.
  CommandResult listed = run_command("/usr/bin/python3 -c \"import tarfile,glob; print(sum(len(tarfile.open(f).getnames()) for f in glob.glob('" +
                                     out.string() + "/train-*.tar')))\"");
  CHECK(listed.output == "4320\n");

  std::ofstream(work / "on-shards.toml") << "[job]\nname = 'fashion-mnist-mlp'\nseed = 1\ndevice = 'cpu'\nthreads = 2\n"
                                            "[dataset]\nplugin = 'shards'\nfolder = '"
                                         << out.string() << "'\n"
                                         << "train = ['" << manifest["splits"]["train"]["pattern"].get<std::string>() << "']\n"
                                         << "valid = ['" << manifest["splits"]["valid"]["pattern"].get<std::string>() << "']\n"
                                         << "test = ['" << manifest["splits"]["test"]["pattern"].get<std::string>() << "']\n"
                                         << "batch_size = 64\nworkers = 2\n"
                                         << read_text(kFashion).substr(read_text(kFashion).find("[model]"));
  REQUIRE(run_hearth("run " + kFashion + sets + " --runs-dir " + (work / "idx-runs").string(), cache.path()).exit_code == 0);
  CommandResult on_shards = run_hearth("run " + (work / "on-shards.toml").string() + " --set train.epochs=2 --runs-dir " +
                                           (work / "shard-runs").string(),
                                       cache.path());
  INFO(on_shards.output);
  REQUIRE(on_shards.exit_code == 0);
  const std::string want = read_text(single_run(work / "idx-runs") / "metrics.csv");
  CHECK(std::count(want.begin(), want.end(), '\n') == 3);
  CHECK(read_text(single_run(work / "shard-runs") / "metrics.csv") == want);

  SECTION("an existing --out and a bad --shard-size are refused") {
    CommandResult again = run_hearth("shard " + kFashion + sets + " --out " + out.string(), cache.path());
    CHECK(again.exit_code == 2);
    CHECK_THAT(again.output, ContainsSubstring("exists; name a new folder"));
    CommandResult size = run_hearth("shard " + kFashion + " --out " + (work / "x").string() + " --shard-size lots", cache.path());
    CHECK(size.exit_code == 2);
    CHECK_THAT(size.output, ContainsSubstring("--shard-size lots is not a size"));
  }
}

TEST_CASE("shards written by GNU tar and by Python's tarfile train", "[shards][datasets]") {
  TempDir work, cache;
  write_samples(work / "samples", 40);
  const fs::path shards = work / "shards";
  fs::create_directories(shards);
  REQUIRE(run_command("cd '" + (work / "samples").string() + "' && ls | sort | tar cf '" + (shards / "gnu-000000.tar").string() +
                      "' -T -").exit_code == 0);
  std::string members = "[";
  for (int i = 0; i < 16; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "s%03d", i);
    members += "('py/" + std::string(key) + ".png', open('" + (work / "samples" / (std::string(key) + ".png")).string() +
               "','rb').read()), ('py/" + key + ".cls', b'" + std::to_string(i % 2) + "'), ";
  }
  python_tar(shards / "py-000000.tar", members + "]");

  auto d = shards_dataset("folder = '" + shards.string() + "'\ntrain = ['gnu-{000000..000000}.tar']\nvalid = ['py-000000.tar']");
  CHECK(d->size(HEARTH_SPLIT_TRAIN) == 40);
  CHECK(d->size(HEARTH_SPLIT_VALID) == 16);
  CHECK(d->tensor_names() == std::vector<std::string>{"jpg", "cls"});
  auto s = d->get(HEARTH_SPLIT_TRAIN, 7);
  CHECK(s[0].sizes() == torch::IntArrayRef({3, 4, 4}));
  CHECK(s[0][0][0][0].item<float>() == Approx(70 / 255.0));
  CHECK(s[1].item<int64_t>() == 1);
  CHECK(d->get(HEARTH_SPLIT_VALID, 4)[1].item<int64_t>() == 0);

  std::ofstream(work / "job.toml") << job_text(shards, "gnu-000000.tar", "py-000000.tar");
  CommandResult r = run_hearth("run " + (work / "job.toml").string() + " --runs-dir " + (work / "runs").string(), cache.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(last_metrics_row(single_run(work / "runs") / "metrics.csv").count("valid.accuracy") == 1);
}

TEST_CASE("JPEG members decode through libjpeg-turbo, at a smaller scale when asked for less", "[shards][datasets]") {
  TempDir work;
  const std::string jpg = jpeg_bytes(64, 48, 200);
  python_tar(work / "j.tar", "[('a.jpg', bytes.fromhex('" + [&] {
    std::string hex;
    char b[3];
    for (unsigned char c : jpg) {
      std::snprintf(b, sizeof b, "%02x", c);
      hex += b;
    }
    return hex;
  }() + "')), ('a.cls', b'1')]");
  auto d = shards_dataset("folder = '" + work.path().string() + "'\ntrain = ['j.tar']");
  auto s = d->get(HEARTH_SPLIT_TRAIN, 0);
  CHECK(s[0].sizes() == torch::IntArrayRef({3, 48, 64}));
  CHECK(std::abs(s[0].mean().item<double>() * 255 - 200) < 1.5);
  auto gray = shards_dataset("folder = '" + work.path().string() + "'\ntrain = ['j.tar']\ngrayscale = true\nsize = 16");
  CHECK(gray->get(HEARTH_SPLIT_TRAIN, 0)[0].sizes() == torch::IntArrayRef({1, 16, 16}));
}

TEST_CASE("bad shards are named with the shard, the member and what to do", "[shards][datasets][bad-data]") {
  TempDir work;
  write_samples(work / "samples", 8);
  const fs::path good = work / "good.tar";
  REQUIRE(run_command("cd '" + (work / "samples").string() + "' && ls | sort | tar cf '" + good.string() + "' -T -").exit_code == 0);
  auto open = [&](const std::string& shard) {
    return shards_dataset("folder = '" + work.path().string() + "'\ntrain = ['" + shard + "']");
  };

  SECTION("a truncated shard") {
    const std::string bytes = read_text(good);
    std::ofstream(work / "cut.tar", std::ios::binary) << bytes.substr(0, bytes.size() / 2 + 100);
    CHECK_THROWS_WITH(open("cut.tar"), ContainsSubstring("cut.tar") && (ContainsSubstring("is truncated") || ContainsSubstring("bad checksum")));
  }
  SECTION("a file that is no tar at all") {
    std::ofstream(work / "text.tar") << std::string(2048, 'x');
    CHECK_THROWS_WITH(open("text.tar"), ContainsSubstring("text.tar") && ContainsSubstring("not a tar header"));
  }
  SECTION("a member that does not decode") {
    python_tar(work / "garbage.tar", "[('a.png', b'\\x89PNG\\r\\n\\x1a\\n' + b'junk' * 10), ('a.cls', b'0')]");
    CHECK_THROWS_WITH(open("garbage.tar")->get(HEARTH_SPLIT_TRAIN, 0),
                      ContainsSubstring("member 'a.png' of shard") && ContainsSubstring("garbage.tar"));
  }
  SECTION("a sample missing a member") {
    python_tar(work / "missing.tar", "[('a.cls', b'0')]");
    CHECK_THROWS_WITH(open("missing.tar")->get(HEARTH_SPLIT_TRAIN, 0),
                      ContainsSubstring("sample 'a' has no member of extension jpg;jpeg;png (it has cls)"));
  }
  SECTION("hostile member names") {
    for (const auto& [name, why] : std::vector<std::pair<std::string, std::string>>{
             {"../up.cls", "climbs out with '..'"}, {"/abs.cls", "is absolute"}, {"new\\nline.cls", "holds a control character"}}) {
      python_tar(work / "hostile.tar", "[('" + name + "', b'0')]");
      CHECK_THROWS_WITH(open("hostile.tar"), ContainsSubstring("hostile.tar: member name") && ContainsSubstring(why));
    }
  }
  SECTION("a decompression bomb: a PNG header claiming 100,000 x 100,000 pixels") {
    // IHDR of 100000 x 100000, 8-bit RGB, with its CRC: nothing but the header is needed to refuse it.
    python_tar(work / "bomb.tar",
               "[('b.png', b'\\x89PNG\\r\\n\\x1a\\n' + (lambda body: len(body[4:]).to_bytes(4,'big') + body + "
               "__import__('zlib').crc32(body).to_bytes(4,'big'))(b'IHDR' + (100000).to_bytes(4,'big') * 2 + bytes([8,2,0,0,0]))), "
               "('b.cls', b'0')]");
    CHECK_THROWS_WITH(open("bomb.tar")->get(HEARTH_SPLIT_TRAIN, 0),
                      ContainsSubstring("claims 100000 x 100000 pixels") && ContainsSubstring("decompression bomb"));
  }
  SECTION("a shard rewritten after its index was made is refused, and indexed again on the next start") {
    ::setenv("HEARTH_CACHE_DIR", (work / "cache").c_str(), 1);
    fs::copy_file(good, work / "changing.tar");
    auto d = open("changing.tar");
    CHECK(fs::exists(work / "cache" / "shard-index"));
    // The same size, other members: GNU tar of other names.
    for (auto& e : fs::directory_iterator(work / "samples")) fs::rename(e.path(), work / "samples" / ("x" + e.path().filename().string()));
    REQUIRE(run_command("cd '" + (work / "samples").string() + "' && ls | sort | tar cf '" + (work / "changing.tar").string() + "' -T -")
                .exit_code == 0);
    CHECK_THROWS_WITH(d->get(HEARTH_SPLIT_TRAIN, 3), ContainsSubstring("changed after its index was made"));
    auto again = open("changing.tar");  // a new size or time: the cached index is not used
    CHECK(again->get(HEARTH_SPLIT_TRAIN, 3)[1].item<int64_t>() == 1);
    ::unsetenv("HEARTH_CACHE_DIR");
  }
}

TEST_CASE("bad_samples: stop names the bad sample and fails the run, skip leaves it out and counts it", "[shards][bad-data]") {
  TempDir work, cache;
  write_samples(work / "samples", 24);
  fs::create_directories(work / "shards");
  REQUIRE(run_command("cd '" + (work / "samples").string() + "' && ls | sort | tar cf '" + (work / "shards/good.tar").string() +
                      "' -T -").exit_code == 0);
  python_tar(work / "shards/bad.tar", "[('zz.png', b'\\x89PNG\\r\\n\\x1a\\n' + b'junk' * 10), ('zz.cls', b'0')]");
  std::ofstream(work / "job.toml") << job_text(work / "shards", "{good,bad}.tar", "good.tar");

  CommandResult stop = run_hearth("run " + (work / "job.toml").string() + " --runs-dir " + (work / "stop").string(), cache.path());
  CHECK(stop.exit_code == 1);
  CHECK_THAT(stop.output, ContainsSubstring("member 'zz.png' of shard") && ContainsSubstring("bad.tar"));
  CHECK(nlohmann::json::parse(read_text(single_run(work / "stop") / "run.json"))["status"] == "failed");

  CommandResult skip = run_hearth("run " + (work / "job.toml").string() + " --set dataset.bad_samples=skip --runs-dir " +
                                      (work / "skip").string(),
                                  cache.path());
  INFO(skip.output);
  REQUIRE(skip.exit_code == 0);
  CHECK_THAT(skip.output, ContainsSubstring("left out sample 24 of the dataset's train split") && ContainsSubstring("zz.png"));
  const std::string csv = read_text(single_run(work / "skip") / "metrics.csv");
  CHECK(csv.rfind("epoch,step,lr,", 0) == 0);
  CHECK_THAT(csv, ContainsSubstring(",bad_samples\n"));
  CHECK(last_metrics_row(single_run(work / "skip") / "metrics.csv").at("bad_samples") == 1);  // the one bad train sample, each epoch
}

TEST_CASE("a shard damaged while a run trains stops it naming the shard, and nothing written before is lost", "[shards][bad-data]") {
  TempDir work, cache;
  write_samples(work / "samples", 600);
  fs::create_directories(work / "shards");
  const fs::path shard = work / "shards/train.tar";
  REQUIRE(run_command("cd '" + (work / "samples").string() + "' && ls | sort | tar cf '" + (work / "original.tar").string() +
                      "' -T -").exit_code == 0);
  fs::copy_file(work / "original.tar", shard);
  std::ofstream(work / "job.toml") << job_text(work / "shards", "train.tar", "train.tar");
  const BackgroundHearth h = start_hearth("run " + (work / "job.toml").string() + " --set train.epochs=80 --runs-dir " +
                                              (work / "runs").string(),
                                          cache.path(), work.path());
  const fs::path run = wait_for_epochs(work / "runs", 1, h, 60);
  // Overwritten in place (the same file, as a copy or a sync tool does): the run reads through
  // an index of the old content.
  REQUIRE(run_command("head -c 20000 /dev/zero > '" + shard.string() + "'").exit_code == 0);
  REQUIRE(h.wait(60));
  INFO(read_text(h.out));
  CHECK(h.exit_code() == 1);
  CHECK_THAT(read_text(h.out), ContainsSubstring("shard " + shard.string()));
  const nlohmann::json info = nlohmann::json::parse(read_text(run / "run.json"));
  CHECK(info["status"] == "failed");
  const std::string csv = read_text(run / "metrics.csv");
  const int64_t rows = std::count(csv.begin(), csv.end(), '\n') - 1;
  CHECK(rows >= 1);
  CHECK(load_checkpoint(run / "checkpoints/last.pt").epoch == rows);  // every recorded epoch is in `last`

  fs::copy_file(work / "original.tar", shard, fs::copy_options::overwrite_existing);
  CommandResult resumed = run_hearth("resume " + run.string(), cache.path());
  INFO(resumed.output);
  CHECK(resumed.exit_code == 0);
  CHECK(nlohmann::json::parse(read_text(run / "run.json"))["status"] == "completed");
}

TEST_CASE("a sample whose shape differs from its batch's is named, and with skip left out", "[shards][bad-data]") {
  TempDir work, cache;
  write_samples(work / "samples", 24);
  write_png(work / "samples" / "s005.png", 50, 6);  // one image of 6 x 6 among 4 x 4 ones
  fs::create_directories(work / "shards");
  REQUIRE(run_command("cd '" + (work / "samples").string() + "' && ls | sort | tar cf '" + (work / "shards/train.tar").string() +
                      "' -T -").exit_code == 0);
  std::ofstream(work / "job.toml") << job_text(work / "shards", "train.tar", "train.tar");
  CommandResult stop = run_hearth("run " + (work / "job.toml").string() + " --runs-dir " + (work / "stop").string(), cache.path());
  CHECK(stop.exit_code == 1);
  CHECK_THAT(stop.output, ContainsSubstring("sample 5's tensor 'jpg' is [3, 6, 6] where the rest of its batch is [3, 4, 4]"));
  CommandResult skip = run_hearth("run " + (work / "job.toml").string() + " --set dataset.bad_samples=skip --runs-dir " +
                                      (work / "skip").string(),
                                  cache.path());
  INFO(skip.output);
  REQUIRE(skip.exit_code == 0);
  // Left out of train and of valid (the same shard) in every epoch.
  CHECK(last_metrics_row(single_run(work / "skip") / "metrics.csv").at("bad_samples") == 2);
}
