#include "engine/packs/pack_installer.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <cerrno>
#include <csignal>
#include <optional>
#include <map>
#include <set>

#include "engine/core/error.hpp"
#include "engine/core/host_facts.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/sha256.hpp"

namespace hearth {
namespace fs = std::filesystem;
namespace {

const char* kRecord = ".hearth-install.json";

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

bool reserved(const std::string& path) { return path == "pack.toml" || path == "pack.sig" || path == kRecord; }

/// The paths an install recorded in `folder`, or, when the record is damaged, the files its
/// pack.toml lists; nullopt when neither can be read.
std::optional<std::set<std::string>> recorded_paths(const fs::path& folder) {
  try {
    auto record = nlohmann::json::parse(read_all(folder / kRecord));
    std::set<std::string> paths;
    for (const auto& f : record.at("files")) paths.insert(f.get<std::string>());
    return paths;
  } catch (const std::exception&) {
  }
  try {
    PackManifest m = parse_manifest(read_all(folder / "pack.toml"), (folder / "pack.toml").string());
    std::set<std::string> paths = {"pack.toml", "pack.sig"};
    for (const auto& [path, hash] : m.files) paths.insert(path);
    return paths;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// The SHA-256 each installed file had, from the install record, or, for a record older than its
/// hashes, from the installed pack.toml; empty when neither can be read.
std::map<std::string, std::string> installed_hashes(const fs::path& folder) {
  try {
    auto record = nlohmann::json::parse(read_all(folder / kRecord));
    if (record.contains("hashes") && record["hashes"].is_object()) return record["hashes"].get<std::map<std::string, std::string>>();
  } catch (const std::exception&) {
  }
  try {
    return parse_manifest(read_all(folder / "pack.toml"), (folder / "pack.toml").string()).files;
  } catch (const std::exception&) {
    return {};
  }
}

/// Whether `rel` inside `folder` is reached through no symbolic link (a user's link to a folder
/// elsewhere must never make Hearth delete or move what lies there).
bool reached_directly(const fs::path& folder, const std::string& rel) {
  fs::path at = folder;
  std::error_code ec;
  for (const fs::path& part : fs::path(rel).parent_path()) {
    at /= part;
    if (fs::is_symlink(at, ec)) return false;
  }
  return true;
}

/// After an upgrade: files the user added to the old folder (not in its install record) move
/// into the new one; what cannot move stays in `old`, which is then kept and named.
void keep_user_files(const fs::path& old, const fs::path& target) {
  const std::optional<std::set<std::string>> ours = recorded_paths(old);
  std::error_code ec;
  std::vector<std::string> kept;
  if (ours) {
    for (fs::recursive_directory_iterator it(old, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) continue;
      const std::string rel = fs::relative(it->path(), old).generic_string();
      if (ours->count(rel) || rel == kRecord) continue;
      const fs::path dest = target / rel;
      std::error_code mv;
      if (!fs::exists(fs::symlink_status(dest, mv)) && reached_directly(target, rel)) {
        fs::create_directories(dest.parent_path(), mv);
        fs::rename(it->path(), dest, mv);
      }
      if (mv || fs::exists(fs::symlink_status(it->path(), mv))) kept.push_back(rel);
    }
  }
  if (ours && kept.empty()) {
    // Renamed before it is deleted: a kill part-way through the deletion leaves a folder that is
    // plainly rubbish, not a damaged previous version.
    const std::string name = old.filename().string();
    fs::path trash = old.parent_path() / (name.substr(0, name.rfind(".old-")) + ".trash-" + std::to_string(::getpid()));
    fs::rename(old, trash, ec);
    fs::remove_all(ec ? old : trash, ec);
    return;
  }
  spdlog::warn("{} keeps files you added to the previous version that could not move into the new one ({}); "
               "move what you need and delete it", old.string(), ours ? std::to_string(kept.size()) : std::string("its record is damaged"));
}

/// The process id a temporary folder `.NAME.KIND-PID` names, when `file` is one of NAME's of
/// that kind and its process is gone; 0 otherwise.
pid_t dead_owner(const std::string& file, const std::string& name, const std::string& kind) {
  const std::string prefix = "." + name + "." + kind + "-";
  if (file.rfind(prefix, 0) != 0) return 0;
  const std::string pid = file.substr(prefix.size());
  if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos) return 0;
  const pid_t owner = static_cast<pid_t>(std::stol(pid));
  if (::kill(owner, 0) == 0 || errno == EPERM) return 0;  // still at work
  return owner;
}

/// Finishes what a killed install, upgrade or removal of NAME left (discovery never loads these
/// hidden folders): an upgrade killed between moving the old version aside and moving the new
/// one in gets the old version back; one killed later hands the user's files on to the new
/// version; half-unpacked and half-deleted folders go.
void recover_interrupted(const fs::path& root, const std::string& name) {
  std::error_code ec;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
  const fs::path target = root / name;
  for (const fs::path& p : entries) {
    if (!dead_owner(p.filename().string(), name, "old")) continue;
    std::error_code mv;
    if (!fs::exists(fs::symlink_status(target, mv))) {
      fs::rename(p, target, mv);
      spdlog::warn("an upgrade of pack {} was interrupted before the new version was in place: the previous version is "
                   "back at {}", name, target.string());
    } else {
      keep_user_files(p, target);
    }
  }
  for (const fs::path& p : entries) {
    const std::string f = p.filename().string();
    if (!dead_owner(f, name, "install") && !dead_owner(f, name, "trash")) continue;
    std::error_code rm;
    fs::remove_all(p, rm);
    spdlog::info("removed {}, left by an install that did not finish", p.string());
  }
}

/// Whether two reads of a pack found the same entries with the same contents.
bool same_entries(const std::vector<PackEntry>& a, const std::vector<PackEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].path != b[i].path || a[i].kind != b[i].kind || a[i].sha256 != b[i].sha256 || a[i].target != b[i].target ||
        a[i].executable != b[i].executable)
      return false;
  return true;
}

/// The verified pack unpacked into the empty folder `tmp` by a second pass over `file`, which
/// must find what the first one verified (a pack swapped in between is refused); each file is
/// hashed again on disk, and the install record is written beside them (what `remove` deletes).
void unpack_into(const VerifiedPack& v, const fs::path& file, const fs::path& tmp, const PackLimits& limits) {
  const PackManifest& m = v.manifest;
  const std::vector<PackEntry> entries = read_pack(file, limits, tmp);
  if (!same_entries(entries, v.entries))
    throw UsageError(file.string() + " changed while it was being installed; nothing was installed (install it again)");
  nlohmann::json record = {{"name", m.name}, {"version", m.version}, {"files", nlohmann::json::array()},
                           {"folders", nlohmann::json::array()}, {"hashes", m.files}, {"source", fs::absolute(file).string()},
                           {"signed_by", v.signature.status == SignatureCheck::Status::trusted ? v.signature.key_name : ""}};
  for (const PackEntry& e : entries) {
    if (e.kind == PackEntry::Kind::directory) {
      record["folders"].push_back(e.path);
      continue;
    }
    if (e.kind == PackEntry::Kind::file && e.path != "pack.sig" && e.path != "pack.toml") {
      // Verify what landed on disk, not only what was read.
      const auto listed = m.files.find(e.path);
      if (listed == m.files.end() || sha256_file(tmp / e.path) != listed->second)
        throw Error("cannot install " + e.path + ": the written file does not match its hash in pack.toml (disk full?)");
    }
    record["files"].push_back(e.path);
  }
  for (const PackEntry& e : entries)
    for (fs::path p = fs::path(e.path).parent_path(); !p.empty(); p = p.parent_path())
      if (std::find(record["folders"].begin(), record["folders"].end(), p.generic_string()) == record["folders"].end())
        record["folders"].push_back(p.generic_string());
  // A record that could not be written whole (a full disk) stops the install here, before the
  // pack is moved into place; written and synced like run.json, so a kill never leaves half of it.
  try {
    write_file_atomically(tmp / kRecord, record.dump(2) + "\n", "install record");
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + "; nothing was installed");
  }
}

}  // namespace

PackManifest build_pack(const fs::path& dir, const fs::path& out) {
  fs::path toml = dir / "pack.toml";
  if (!fs::is_regular_file(toml)) throw UsageError(dir.string() + " has no pack.toml; see docs/packs.md for its keys");
  PackManifest m = parse_manifest(read_all(toml), toml.string());
  if (m.abi_major == 0) {
    const HostFacts& h = host_facts();
    m.abi_major = static_cast<int>(h.abi_major);
    m.abi_minor = static_cast<int>(h.abi_minor);
    m.torch_major = static_cast<int>(h.torch_major);
    m.torch_minor = static_cast<int>(h.torch_minor);
    m.cxx11_abi = h.cxx11_abi;
  }
  m.files.clear();
  std::vector<PackEntry> entries;
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) paths.push_back(it->path());
  std::sort(paths.begin(), paths.end());
  for (const fs::path& p : paths) {
    std::string rel = fs::relative(p, dir).generic_string();
    if (reserved(rel)) continue;
    if (fs::is_symlink(p)) {
      entries.push_back({PackEntry::Kind::symlink, rel, "", fs::read_symlink(p).string(), false});
    } else if (fs::is_directory(p)) {
      entries.push_back({PackEntry::Kind::directory, rel, "", "", false});
    } else if (fs::is_regular_file(p)) {
      PackEntry e{PackEntry::Kind::file, rel, "", "", (fs::status(p).permissions() & fs::perms::owner_exec) != fs::perms::none};
      e.source = p;  // streamed into the pack, as it is hashed
      m.files[rel] = sha256_file(p);
      if (m.files[rel].empty()) throw UsageError("cannot read " + p.string() + " to pack it");
      entries.push_back(std::move(e));
    } else {
      throw UsageError(p.string() + " is not a file, folder or link; a pack holds only those");
    }
  }
  entries.insert(entries.begin(), {PackEntry::Kind::file, "pack.toml", manifest_text(m), "", false});
  write_pack(out, entries);
  return m;
}

VerifiedPack verify_pack(const fs::path& file, const fs::path& trust, const PackLimits& limits) {
  VerifiedPack v;
  v.entries = read_pack(file, limits);
  const std::string where = file.string();
  const PackEntry* toml = find_entry(v.entries, "pack.toml");
  if (toml == nullptr || toml->kind != PackEntry::Kind::file) throw UsageError(where + ": no pack.toml inside; not a pack");
  v.manifest_text = toml->bytes;
  v.manifest = parse_manifest(v.manifest_text, where + ":pack.toml");
  for (const auto& [path, hash] : v.manifest.files) {
    const PackEntry* e = find_entry(v.entries, path);
    if (e == nullptr || e->kind != PackEntry::Kind::file)
      throw UsageError(where + ": " + path + " is listed in pack.toml but missing from the pack; refused");
    const std::string& actual = e->sha256;
    if (actual != hash)
      throw UsageError(where + ": " + path + " does not match pack.toml: the manifest says SHA-256 " + hash +
                       ", the file has " + actual + "; the pack was altered or damaged; refused");
  }
  for (const PackEntry& e : v.entries) {
    if (e.path == kRecord)
      throw UsageError(where + ": entry '" + e.path + "' is the name of Hearth's install record, which a pack may not hold; refused");
    if (e.kind == PackEntry::Kind::file && !reserved(e.path) && !v.manifest.files.count(e.path))
      throw UsageError(where + ": " + e.path + " is not listed in pack.toml; refused");
    if (e.kind == PackEntry::Kind::symlink) {
      std::string target = (fs::path(e.path).parent_path() / e.target).lexically_normal().generic_string();
      if (!v.manifest.files.count(target))
        throw UsageError(where + ": link " + e.path + " points to " + e.target + ", which is not a file of the pack; refused");
    }
  }
  const PackEntry* sig = find_entry(v.entries, "pack.sig");
  v.signature = check_signature(sig ? sig->bytes : std::string(), v.manifest_text, trust, where);
  return v;
}

void sign_pack(const fs::path& file, const fs::path& key) {
  const VerifiedPack v = verify_pack(file, fs::path());  // never sign a pack whose files do not match
  const std::string signature = sign_manifest(v.manifest_text, key);
  // Unpacked beside the pack and packed again from there: streamed, whatever its size.
  const fs::path tmp = fs::absolute(file).parent_path() / ("." + file.filename().string() + ".sign-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  try {
    fs::create_directories(tmp);
    std::vector<PackEntry> entries = read_pack(file, PackLimits{}, tmp);
    if (!same_entries(entries, v.entries)) throw UsageError(file.string() + " changed while it was being signed; sign it again");
    entries.erase(std::remove_if(entries.begin(), entries.end(), [](const PackEntry& e) { return e.path == "pack.sig"; }), entries.end());
    entries.push_back({PackEntry::Kind::file, "pack.sig", signature, "", false});
    write_pack(file, entries);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  fs::remove_all(tmp, ec);
}

fs::path install_pack(const fs::path& file, const fs::path& trust, const InstallOptions& o) {
  VerifiedPack v = verify_pack(file, trust, o.limits);
  const PackManifest& m = v.manifest;
  if (v.signature.status != SignatureCheck::Status::trusted) {
    std::string what = v.signature.status == SignatureCheck::Status::unsigned_pack
                           ? "is not signed"
                           : "is signed by key " + v.signature.key_id + ", which is not in the trust store";
    if (!o.allow_unsigned)
      throw UsageError(file.string() + " " + what + "; trust its author's key (`hearth pack trust add KEY.pub`) or "
                       "install anyway with --allow-unsigned");
    spdlog::warn("{} {}: installing it because of --allow-unsigned; its code runs with your rights", file.string(), what);
  }
  check_pack_versions(m, file.string());
  std::error_code ec;
  fs::create_directories(o.root, ec);
  if (ec || ::access(o.root.c_str(), W_OK) != 0)
    throw UsageError("cannot install into " + o.root.string() + " (" + (ec ? ec.message() : std::string("not writable")) +
                     "); install with --user, or --into a folder you can write");
  fs::path target = o.root / m.name;
  if (fs::exists(target, ec) && !o.upgrade) {
    std::string installed = "?";
    try {
      installed = parse_manifest(read_all(target / "pack.toml"), (target / "pack.toml").string()).version;
    } catch (const std::exception&) {
    }
    throw UsageError("pack " + m.name + " " + installed + " is already installed at " + target.string() +
                     "; add --upgrade to replace it with " + m.version);
  }
  recover_interrupted(o.root, m.name);
  fs::path tmp = o.root / ("." + m.name + ".install-" + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  try {
    fs::create_directories(tmp);
    unpack_into(v, file, tmp, o.limits);
    if (fs::exists(target)) {
      fs::path old = o.root / ("." + m.name + ".old-" + std::to_string(::getpid()));
      fs::rename(target, old);
      fs::rename(tmp, target);
      keep_user_files(old, target);
    } else {
      fs::rename(tmp, target);
    }
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  return target;
}

std::vector<InstalledPack> installed_packs(const fs::path& root) {
  std::vector<InstalledPack> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& e : fs::directory_iterator(root)) {
    if (!fs::exists(e.path() / kRecord)) continue;
    try {
      auto r = nlohmann::json::parse(read_all(e.path() / kRecord));
      out.push_back({r.value("name", ""), r.value("version", ""), r.value("signed_by", ""), e.path()});
    } catch (const std::exception&) {
      out.push_back({e.path().filename().string(), "?", "", e.path()});
    }
  }
  std::sort(out.begin(), out.end(), [](const InstalledPack& a, const InstalledPack& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> remove_pack(const fs::path& root, const std::string& name, bool force) {
  fs::path folder = root / name;
  std::error_code ec;
  recover_interrupted(root, name);
  if (!fs::exists(folder / kRecord, ec) && !fs::exists(folder / "pack.toml", ec)) {
    std::string known;
    for (const InstalledPack& p : installed_packs(root)) known += (known.empty() ? "" : ", ") + p.name;
    throw UsageError("no pack " + name + " installed by `hearth pack install` under " + root.string() +
                     (known.empty() ? "" : " (installed: " + known + ")"));
  }
  const std::optional<std::set<std::string>> paths = recorded_paths(folder);
  if (!paths)
    throw UsageError(folder.string() + ": neither its install record nor its pack.toml can be read; delete the folder by hand "
                     "after checking what it holds");
  const std::map<std::string, std::string> hashes = installed_hashes(folder);
  std::vector<std::string> removed;
  std::set<std::string> folders_set;
  for (const std::string& rel : *paths) {
    // fs::remove does not follow a link that is the file itself; a link among its parent
    // folders (a user's) would lead outside the pack, so such a file is left.
    if (!reached_directly(folder, rel)) {
      spdlog::warn("{} is reached through a link you made; left alone", (folder / rel).string());
      continue;
    }
    // A file the user changed since the install is theirs now, as dpkg keeps a changed conffile.
    if (const auto h = hashes.find(rel); !force && h != hashes.end() && fs::is_regular_file(fs::symlink_status(folder / rel, ec))) {
      const std::string now = sha256_file(folder / rel);
      if (now != h->second) {
        spdlog::warn("{} was changed since the pack installed it (SHA-256 {}..., installed {}...): kept; delete it by hand, or "
                     "remove with --force", (folder / rel).string(), now.substr(0, 12), h->second.substr(0, 12));
        for (fs::path p = fs::path(rel).parent_path(); !p.empty(); p = p.parent_path()) folders_set.insert(p.generic_string());
        continue;
      }
    }
    if (fs::remove(folder / rel, ec)) removed.push_back(rel);
    for (fs::path p = fs::path(rel).parent_path(); !p.empty(); p = p.parent_path()) folders_set.insert(p.generic_string());
  }
  std::vector<std::string> folders(folders_set.begin(), folders_set.end());
  std::sort(folders.begin(), folders.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& d : folders)
    if (reached_directly(folder, d) && !fs::is_symlink(folder / d, ec)) fs::remove(folder / d, ec);  // only when empty
  fs::remove(folder / kRecord, ec);
  if (!fs::remove(folder, ec))
    spdlog::warn("{} still holds files that `hearth pack install` did not add; they were left", folder.string());
  return removed;
}

}  // namespace hearth
