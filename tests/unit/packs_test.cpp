// Module packs: the whole path through the engine, and every refusal with a crafted archive.
#include <archive.h>
#include <archive_entry.h>
#include "unit/catch.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>

#include "engine/core/error.hpp"
#include "engine/core/host_facts.hpp"
#include "engine/core/sha256.hpp"
#include "engine/discovery/search_roots.hpp"
#include "engine/packs/pack_archive.hpp"
#include "engine/packs/pack_installer.hpp"
#include "unit/test_support.hpp"

using namespace hearth;
using namespace hearth::test;

namespace {

/// One entry of a hand-made archive, including the kinds Hearth must refuse.
struct Crafted {
  Crafted(std::string p, std::string c = "", mode_t t = AE_IFREG, std::string l = "", bool h = false)
      : path(std::move(p)), content(std::move(c)), type(t), link(std::move(l)), hard(h) {}
  std::string path;
  std::string content;
  mode_t type;
  std::string link;  ///< symlink target, or hard link target when `hard`
  bool hard;
  uint64_t zeros = 0;  ///< a file of this many zero bytes instead of `content`, written in pieces
};

/// `c`'s zero bytes into the archive, a piece at a time.
void write_zeros(archive* a, uint64_t zeros) {
  const std::string piece(1 << 20, '\0');
  for (uint64_t left = zeros; left > 0;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(left, piece.size()));
    archive_write_data(a, piece.data(), n);
    left -= n;
  }
}

/// SHA-256 of `zeros` zero bytes.
std::string zeros_sha256(uint64_t zeros) {
  const std::string piece(1 << 20, '\0');
  Sha256 hash;
  for (uint64_t left = zeros; left > 0;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(left, piece.size()));
    hash.update(piece.data(), n);
    left -= n;
  }
  return hash.hex();
}

void craft(const fs::path& file, const std::vector<Crafted>& entries) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  REQUIRE(archive_write_open_filename(a, file.c_str()) == ARCHIVE_OK);
  for (const Crafted& c : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, c.path.c_str());
    archive_entry_set_filetype(e, c.type);
    archive_entry_set_perm(e, 0644);
    if (c.hard) archive_entry_set_hardlink(e, c.link.c_str());
    else if (c.type == AE_IFLNK) archive_entry_set_symlink(e, c.link.c_str());
    if (c.type == AE_IFREG && !c.hard) archive_entry_set_size(e, static_cast<la_int64_t>(c.zeros ? c.zeros : c.content.size()));
    if (c.type == AE_IFCHR) archive_entry_set_rdev(e, 0x0103);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (c.type == AE_IFREG && !c.content.empty()) archive_write_data(a, c.content.data(), c.content.size());
    if (c.type == AE_IFREG && !c.hard && c.zeros) write_zeros(a, c.zeros);
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

/// pack.toml text for `files` (path -> content), built for this host's LibTorch unless told.
std::string manifest_for(const std::vector<std::pair<std::string, std::string>>& files, int abi_major = 1, int torch_minor = -1) {
  PackManifest m;
  m.name = "crafted";
  m.version = "1.0";
  m.abi_major = abi_major;
  m.abi_minor = 0;
  m.torch_major = static_cast<int>(host_facts().torch_major);
  m.torch_minor = torch_minor < 0 ? static_cast<int>(host_facts().torch_minor) : torch_minor;
  m.cxx11_abi = -1;
  for (const auto& [p, c] : files) m.files[p] = sha256_bytes(c);
  return manifest_text(m);
}

/// A well-formed crafted pack with one library-like file plus `extra` entries.
fs::path crafted_pack(const fs::path& dir, const std::string& name, const std::vector<Crafted>& extra,
                      const std::vector<std::pair<std::string, std::string>>& listed = {{"lib/libx.so", "ELF"}}) {
  std::vector<Crafted> entries = {{"pack.toml", manifest_for(listed)}, {"lib/libx.so", "ELF"}};
  entries.insert(entries.end(), extra.begin(), extra.end());
  fs::path file = dir / (name + ".hpack");
  craft(file, entries);
  return file;
}

}  // namespace

TEST_CASE("a pack is built signed trusted installed and removed exactly", "[packs]") {
  TempDir dir, trust, root;
  fs::create_directories(dir / "src/lib");
  std::ofstream(dir / "src/pack.toml") << "name = \"demo\"\nversion = \"1.0.0\"\nsummary = \"test\"\n";
  std::ofstream(dir / "src/lib/libdemo.so") << "not really a library";
  std::ofstream(dir / "src/README.md") << "docs";
  PackManifest built = build_pack(dir / "src", dir / "demo.hpack");
  CHECK(built.files.size() == 2);
  CHECK(built.abi_major == HEARTH_ABI_MAJOR);

  InstallOptions o;
  o.root = root.path();
  CHECK_THROWS_WITH(install_pack(dir / "demo.hpack", trust.path(), o), ContainsSubstring("is not signed") && ContainsSubstring("--allow-unsigned"));
  generate_key_pair(dir / "me");
  sign_pack(dir / "demo.hpack", dir / "me.key");
  CHECK_THROWS_WITH(install_pack(dir / "demo.hpack", trust.path(), o), ContainsSubstring("not in the trust store"));
  TrustedKey k = trust_add(trust.path(), dir / "me.pub");
  CHECK(trust_list(trust.path()).size() == 1);
  VerifiedPack v = verify_pack(dir / "demo.hpack", trust.path());
  CHECK(v.signature.status == SignatureCheck::Status::trusted);

  fs::path folder = install_pack(dir / "demo.hpack", trust.path(), o);
  CHECK(folder == root.path() / "demo");
  CHECK(read_text(folder / "lib/libdemo.so") == "not really a library");
  CHECK(installed_packs(root.path()).at(0).signed_by == "me");
  CHECK_THROWS_WITH(install_pack(dir / "demo.hpack", trust.path(), o), ContainsSubstring("already installed") && ContainsSubstring("--upgrade"));
  o.upgrade = true;
  install_pack(dir / "demo.hpack", trust.path(), o);
  size_t in_root = 0;
  for (auto& e : fs::directory_iterator(root.path())) in_root += e.path().filename() == "demo" ? 1 : 100;
  CHECK(in_root == 1);  // no temporary or old folder left beside it

  std::ofstream(folder / "lib/mine.txt") << "the user's own file";
  std::ofstream(folder / "README.md", std::ios::app) << "\nthe user's note\n";  // a file of the pack, edited
  std::vector<std::string> removed = remove_pack(root.path(), "demo");
  CHECK(removed.size() == 3);  // pack.toml, pack.sig, lib/libdemo.so; before, the edited README.md went too
  CHECK(fs::exists(folder / "lib/mine.txt"));  // not added by install: left
  CHECK_THAT(read_text(folder / "README.md"), ContainsSubstring("the user's note"));
  CHECK_FALSE(fs::exists(folder / "lib/libdemo.so"));
  CHECK_THROWS_WITH(remove_pack(root.path(), "demo"), ContainsSubstring("no pack demo"));
  // --force deletes an edited file as well.
  fs::remove_all(folder);
  install_pack(dir / "demo.hpack", trust.path(), o);
  std::ofstream(folder / "README.md", std::ios::app) << "\nedited\n";
  CHECK(remove_pack(root.path(), "demo", /*force=*/true).size() == 4);
  CHECK_FALSE(fs::exists(folder));
  trust_remove(trust.path(), k.id.substr(0, 6));
  CHECK(trust_list(trust.path()).empty());
}

TEST_CASE("unsafe archives are refused naming the entry", "[packs][safety]") {
  TempDir dir, trust, root;
  InstallOptions o;
  o.root = root.path();
  o.allow_unsigned = true;
  auto refused = [&](const fs::path& file, const std::string& why) {
    CHECK_THROWS_WITH(install_pack(file, trust.path(), o), ContainsSubstring(why));
    // Nothing is left behind, not even the temporary folder.
    CHECK(fs::is_empty(root.path()));
  };
  refused(crafted_pack(dir.path(), "absolute", {{"/etc/evil", "x"}}), "'/etc/evil' has an absolute path");
  refused(crafted_pack(dir.path(), "dotdot", {{"lib/../../evil", "x"}}), "climbs out of the pack");
  refused(crafted_pack(dir.path(), "symlink", {{"lib/link", "", AE_IFLNK, "../../../etc/passwd"}}), "outside the pack");
  refused(crafted_pack(dir.path(), "abslink", {{"lib/link", "", AE_IFLNK, "/etc/passwd"}}), "outside the pack");
  refused(crafted_pack(dir.path(), "hardlink", {{"lib/hard", "", AE_IFREG, "../outside", true}}), "hard link");
  refused(crafted_pack(dir.path(), "device", {{"lib/tty", "", AE_IFCHR}}), "is a device, FIFO or socket");
  refused(crafted_pack(dir.path(), "fifo", {{"lib/pipe", "", AE_IFIFO}}), "is a device, FIFO or socket");
  refused(crafted_pack(dir.path(), "unlisted", {{"lib/extra.so", "more"}}), "lib/extra.so is not listed in pack.toml");
  refused(crafted_pack(dir.path(), "missing", {}, {{"lib/libx.so", "ELF"}, {"lib/gone.so", "x"}}), "lib/gone.so is listed in pack.toml but missing");
  // Before: a raw `map::at` from the install.
  refused(crafted_pack(dir.path(), "record", {{".hearth-install.json", "{}"}}),
          "entry '.hearth-install.json' is the name of Hearth's install record, which a pack may not hold");

  // A file whose bytes differ from the manifest: both hashes named.
  craft(dir / "tampered.hpack", {{"pack.toml", manifest_for({{"lib/libx.so", "ELF"}})}, {"lib/libx.so", "EVIL"}});
  refused(dir / "tampered.hpack", "lib/libx.so does not match pack.toml: the manifest says SHA-256 " + sha256_bytes("ELF") +
                                      ", the file has " + sha256_bytes("EVIL"));

  // Built for another plugin ABI: discovery's words.
  craft(dir / "abi.hpack", {{"pack.toml", manifest_for({{"lib/libx.so", "ELF"}}, 99)}, {"lib/libx.so", "ELF"}});
  refused(dir / "abi.hpack", "plugin ABI major differs: built for plugin ABI 99.0");
  craft(dir / "torch.hpack", {{"pack.toml", manifest_for({{"lib/libx.so", "ELF"}}, 1, 99)}, {"lib/libx.so", "ELF"}});
  refused(dir / "torch.hpack", "LibTorch version differs: built for plugin ABI 1.0, LibTorch " + std::to_string(host_facts().torch_major) + ".99");

  // Caps on entries and size.
  std::vector<Crafted> many;
  for (int i = 0; i < 30; ++i) many.push_back({"d/f" + std::to_string(i), "", AE_IFDIR});
  fs::path bomb = crafted_pack(dir.path(), "many", many);
  PackLimits small;
  small.max_entries = 10;
  CHECK_THROWS_WITH(read_pack(bomb, small), ContainsSubstring("more than 10 entries"));
  PackLimits tiny;
  tiny.max_bytes = 100;
  fs::path big = crafted_pack(dir.path(), "big", {}, {{"lib/libx.so", "ELF"}});
  craft(big, {{"pack.toml", manifest_for({{"lib/libx.so", std::string(5000, 'x')}})}, {"lib/libx.so", std::string(5000, 'x')}});
  CHECK_THROWS_WITH(read_pack(big, tiny), ContainsSubstring("unpacks to more than 100 bytes"));

  // Not a pack at all.
  std::ofstream(dir / "junk.hpack") << "plain text";
  CHECK_THROWS_WITH(read_pack(dir / "junk.hpack"), ContainsSubstring("not a readable pack") || ContainsSubstring("damaged"));
}

TEST_CASE("a signed pack altered afterwards is refused", "[packs][safety]") {
  TempDir dir, trust, root;
  generate_key_pair(dir / "me");
  trust_add(trust.path(), dir / "me.pub");
  std::string good = manifest_for({{"lib/libx.so", "ELF"}});
  craft(dir / "signed.hpack", {{"pack.toml", good}, {"lib/libx.so", "ELF"}, {"pack.sig", sign_manifest(good, dir / "me.key")}});
  InstallOptions o;
  o.root = root.path();
  CHECK_NOTHROW(install_pack(dir / "signed.hpack", trust.path(), o));
  // The attacker swaps the library and fixes the manifest's hash, keeping the old signature.
  std::string forged = manifest_for({{"lib/libx.so", "EVIL"}});
  craft(dir / "forged.hpack", {{"pack.toml", forged}, {"lib/libx.so", "EVIL"}, {"pack.sig", sign_manifest(good, dir / "me.key")}});
  o.upgrade = true;
  CHECK_THROWS_WITH(install_pack(dir / "forged.hpack", trust.path(), o), ContainsSubstring("does not match pack.toml: the pack was altered"));
  CHECK(read_text(root.path() / "crafted/lib/libx.so") == "ELF");  // the installed version is untouched
}

TEST_CASE("hearth pack commands report refusals with exit code 2", "[packs][cli]") {
  TempDir dir, cache;
  fs::path file = crafted_pack(dir.path(), "unsigned", {});
  std::string env = "HEARTH_TRUST_DIR='" + (dir / "trust").string() + "' ";
  CommandResult verify = run_command(env + "'" HEARTH_EXE "' pack verify " + file.string() + " 2>&1");
  CHECK(verify.exit_code == 2);  // what install does with it: before, 0 for a pack install refuses
  CHECK_THAT(verify.output, ContainsSubstring("1 files match pack.toml; NOT signed"));
  CHECK_THAT(verify.output, ContainsSubstring("`hearth pack install` refuses it as it is"));
  CommandResult install = run_command(env + "'" HEARTH_EXE "' pack install " + file.string() + " --into " + (dir / "p").string() + " 2>&1");
  CHECK(install.exit_code == 2);
  CHECK_THAT(install.output, ContainsSubstring("--allow-unsigned"));
  CommandResult ok = run_command(env + "'" HEARTH_EXE "' pack install " + file.string() + " --allow-unsigned --into " +
                                 (dir / "p").string() + " 2>&1");
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.output, ContainsSubstring("--allow-unsigned"));  // the warning says why it went in
  CommandResult list = run_command(env + "'" HEARTH_EXE "' pack list --into " + (dir / "p").string() + " 2>&1");
  CHECK_THAT(list.output, ContainsSubstring("crafted 1.0"));
  CommandResult rm = run_command(env + "'" HEARTH_EXE "' pack remove crafted --into " + (dir / "p").string() + " 2>&1");
  CHECK(rm.exit_code == 0);
  CHECK_FALSE(fs::exists(dir / "p/crafted"));
}

TEST_CASE("hard links count against the size cap", "[packs][safety]") {
  TempDir dir;
  const std::string big(100 * 1024, 'x');
  std::vector<Crafted> entries = {{"pack.toml", manifest_for({{"lib/libx.so", big}})}, {"lib/libx.so", big}};
  for (int i = 0; i < 50; ++i) entries.push_back({"lib/link" + std::to_string(i), "", AE_IFREG, "lib/libx.so", true});
  craft(dir / "links.hpack", entries);
  PackLimits limits;
  limits.max_bytes = 1 << 20;  // 1 MB: the links alone would copy 5 MB
  CHECK_THROWS_WITH(read_pack(dir / "links.hpack", limits), ContainsSubstring("a hard link); refused"));
}

TEST_CASE("installing and removing never touch what is not the pack's", "[packs][safety]") {
  TempDir dir, outside;
  fs::path file = crafted_pack(dir.path(), "p", {});
  InstallOptions io;
  io.root = dir / "plugins";
  io.allow_unsigned = true;
  const fs::path folder = install_pack(file, dir / "trust", io);

  SECTION("a temporary left by a killed install is invisible to discovery and cleaned by the next install") {
    const fs::path stale = io.root / ".crafted.install-999999999";
    fs::create_directories(stale / "lib");
    fs::copy_file(folder / "pack.toml", stale / "pack.toml");
    RootOptions roots;
    roots.plugin_paths = {io.root};
    roots.use_environment = false;
    for (const CandidateFile& c : list_candidates(search_roots(roots))) CHECK(c.path.string().find(".install-") == std::string::npos);
    io.upgrade = true;
    install_pack(file, dir / "trust", io);
    CHECK_FALSE(fs::exists(stale));
  }
  SECTION("an upgrade keeps the files the user added") {
    std::ofstream(folder / "notes.txt") << "mine";
    io.upgrade = true;
    install_pack(file, dir / "trust", io);
    CHECK(read_text(folder / "notes.txt") == "mine");
  }
  SECTION("remove leaves what a user's link leads to, and works from pack.toml when the record is damaged") {
    std::ofstream(outside / "libx.so") << "precious";
    fs::remove_all(folder / "lib");
    fs::create_directory_symlink(outside.path(), folder / "lib");  // the user's link where the pack had a folder
    std::ofstream(folder / ".hearth-install.json") << "{ damaged";
    remove_pack(io.root, "crafted");
    CHECK(read_text(outside / "libx.so") == "precious");
    CHECK_FALSE(fs::exists(folder / "pack.toml"));
  }
}

namespace {

/// Runs `body` in a child process whose address space may grow by `extra` bytes at most (what
/// `ulimit -v` does); returns "" when it returned, else what it threw ("bad_alloc" when memory
/// ran out).
std::string in_bounded_memory(uint64_t extra, const std::function<void()>& body, const fs::path& report) {
  long pages = 0;
  std::ifstream("/proc/self/statm") >> pages;
  const rlim_t limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + extra;
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const struct rlimit r = {limit, limit};
    ::setrlimit(RLIMIT_AS, &r);
    std::string what;
    try {
      body();
    } catch (const std::bad_alloc&) {
      what = "bad_alloc";
    } catch (const std::exception& e) {
      what = e.what();
    }
    std::ofstream(report) << what;
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  return read_text(report);
}

}  // namespace

TEST_CASE("a pack's files stream through verify install and sign in bounded memory", "[packs][scale]") {
  TempDir dir, trust, root, key;
  const uint64_t big = uint64_t(512) << 20;  // 512 MiB of zeros: a 0.5 MB pack
  std::vector<Crafted> entries = {{"pack.toml", ""}, {"lib/big.bin"}};
  entries[1].zeros = big;
  PackManifest m = parse_manifest(manifest_for({{"lib/big.bin", ""}}), "pack.toml");
  m.files["lib/big.bin"] = zeros_sha256(big);
  entries[0].content = manifest_text(m);
  craft(dir / "big.hpack", entries);
  CHECK(fs::file_size(dir / "big.hpack") < (uint64_t(2) << 20));
  generate_key_pair(key / "me");
  InstallOptions o;
  o.root = root.path();
  o.allow_unsigned = true;
  // 128 MiB of room: before, each of these held the whole entry (512 MiB) and ran out.
  const uint64_t room = uint64_t(128) << 20;
  CHECK(in_bounded_memory(room, [&] { verify_pack(dir / "big.hpack", trust.path()); }, dir / "verify.txt") == "");
  CHECK(in_bounded_memory(room, [&] { install_pack(dir / "big.hpack", trust.path(), o); }, dir / "install.txt") == "");
  CHECK(fs::file_size(root / "crafted" / "lib/big.bin") == big);
  CHECK(sha256_file(root / "crafted" / "lib/big.bin") == m.files["lib/big.bin"]);
  CHECK(in_bounded_memory(room, [&] { sign_pack(dir / "big.hpack", key / "me.key"); }, dir / "sign.txt") == "");
  trust_add(trust.path(), key / "me.pub");
  CHECK(verify_pack(dir / "big.hpack", trust.path()).signature.status == SignatureCheck::Status::trusted);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir.path())) left.push_back(e.path().filename().string());
  CHECK(std::count_if(left.begin(), left.end(), [](const std::string& f) { return f.find(".sign-") != std::string::npos; }) == 0);

  // Hard links that claim 61 x 100 MiB of a 100 MiB file: refused at the cap, before any of it
  // is held (before: std::bad_alloc under a 2 GB limit).
  std::vector<Crafted> links = {{"pack.toml", manifest_for({{"lib/libx.so", "ELF"}})}, {"lib/x.bin"}};
  links[1].zeros = uint64_t(100) << 20;
  for (int i = 0; i < 61; ++i) links.push_back({"lib/link" + std::to_string(i), "", AE_IFREG, "lib/x.bin", true});
  craft(dir / "links.hpack", links);
  CHECK_THAT(in_bounded_memory(room, [&] { verify_pack(dir / "links.hpack", trust.path()); }, dir / "links.txt"),
             ContainsSubstring("unpacks to more than 4294967296 bytes (at 'lib/link39', a hard link); refused"));
}
