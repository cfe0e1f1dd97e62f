// `hearth pack build|info|verify|install|list|remove|keygen|sign|trust`: module packs (.hpack).
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli_context.hpp"
#include "commands/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/discovery/search_roots.hpp"
#include "engine/packs/pack_installer.hpp"
#include "terminal.hpp"

namespace hearth::cli {
namespace {

struct PackOptions {
  std::string dir, file, out, key, name;
  bool user = false, system = false, upgrade = false, allow_unsigned = false, force = false;
  std::string into;
};

/// The plugin folder an install, list or remove works on; a pack folder there is found by discovery.
fs::path destination(const PackOptions& o) {
  int chosen = (o.user ? 1 : 0) + (o.system ? 1 : 0) + (o.into.empty() ? 0 : 1);
  if (chosen > 1) throw UsageError("give one of --user, --system and --into");
  if (!o.into.empty()) return fs::absolute(o.into);
  if (o.system) return install_layout().builtin_plugins;
  fs::path user = user_plugin_folder();
  if (user.empty()) throw UsageError("no user plugin folder (set HOME or XDG_DATA_HOME), or use --into DIR");
  return user;
}

std::string signature_text(const SignatureCheck& s) {
  switch (s.status) {
    case SignatureCheck::Status::trusted: return "signed by trusted key " + s.key_name + " (" + s.key_id + ")";
    case SignatureCheck::Status::untrusted: return "signed by key " + s.key_id + ", NOT in the trust store";
    case SignatureCheck::Status::unsigned_pack: break;
  }
  return "NOT signed";
}

void print_manifest(const PackManifest& m) {
  std::cout << m.name << " " << m.version << (m.summary.empty() ? "" : ": " + m.summary) << "\n";
  std::string authors;
  for (const std::string& a : m.authors) authors += (authors.empty() ? "" : ", ") + a;
  std::cout << "  authors   " << (authors.empty() ? "-" : authors) << "\n  license   " << (m.license.empty() ? "-" : m.license)
            << "\n  built for plugin ABI " << m.abi_major << "." << m.abi_minor << ", LibTorch " << m.torch_major << "."
            << m.torch_minor << ", CXX11 ABI " << m.cxx11_abi << "\n  files\n";
  for (const auto& [path, hash] : m.files) std::cout << "    " << path << "  " << hash.substr(0, 16) << "...\n";
}

}  // namespace

namespace {

using Options = std::shared_ptr<PackOptions>;

/// build, info, verify: making a pack and looking into one.
void add_making_commands(CLI::App* pack, const Options& o) {
  CLI::App* build = pack->add_subcommand("build", "Pack a folder holding pack.toml and the pack's files");
  build->add_option("dir", o->dir, "Folder with pack.toml")->required()->check(CLI::ExistingDirectory);
  build->add_option("-o,--out", o->out, "Pack file (default: <name>-<version>.hpack here)");
  build->callback([o] {
    fs::path tmp = fs::temp_directory_path() / ("hearth-pack-" + std::to_string(::getpid()) + ".hpack");
    PackManifest m = build_pack(o->dir, tmp);
    fs::path out = o->out.empty() ? fs::path(m.name + "-" + m.version + ".hpack") : fs::path(o->out);
    std::error_code ec;
    fs::rename(tmp, out, ec);
    if (ec) {  // another file system
      fs::copy_file(tmp, out, fs::copy_options::overwrite_existing);
      fs::remove(tmp);
    }
    std::cout << "built " << out.string() << ": " << m.name << " " << m.version << ", " << m.files.size() << " files (unsigned; "
              << "`hearth pack sign " << out.string() << " --key KEY` signs it)\n";
  });

  CLI::App* info = pack->add_subcommand("info", "What a pack holds and whom it is signed by (no checks of the files)");
  info->add_option("file", o->file, "Pack file")->required()->check(CLI::ExistingFile);
  info->callback([o] {
    std::vector<PackEntry> entries = read_pack(o->file);
    const PackEntry* toml = find_entry(entries, "pack.toml");
    if (toml == nullptr) throw UsageError(o->file + ": no pack.toml inside; not a pack");
    print_manifest(parse_manifest(toml->bytes, o->file + ":pack.toml"));
    const PackEntry* sig = find_entry(entries, "pack.sig");
    std::cout << "  " << (sig ? "has a signature (`hearth pack verify` checks it)" : "NOT signed") << "\n";
  });

  CLI::App* verify = pack->add_subcommand("verify", "Check every file against pack.toml and the signature against the trust store");
  verify->add_option("file", o->file, "Pack file")->required()->check(CLI::ExistingFile);
  verify->callback([o] {
    VerifiedPack v = verify_pack(o->file, trust_dir());
    std::cout << o->file << ": " << v.manifest.name << " " << v.manifest.version << ", " << v.manifest.files.size()
              << " files match pack.toml; " << signature_text(v.signature) << "\n";
    check_pack_versions(v.manifest, o->file);
    std::cout << "  built for this host's plugin ABI and LibTorch\n";
    // The exit code says what `install` would do: 0 installs, 2 is refused (without --allow-unsigned).
    if (v.signature.status != SignatureCheck::Status::trusted)
      throw UsageError(o->file + ": `hearth pack install` refuses it as it is (" + signature_text(v.signature) +
                       "); trust its author's key (`hearth pack trust add KEY.pub`) or install with --allow-unsigned");
  });
}

/// install, list, remove: where packs live.
void add_install_commands(CLI::App* pack, const Options& o) {
  CLI::App* install = pack->add_subcommand("install", "Install a pack where discovery finds it");
  install->add_option("file", o->file, "Pack file")->required()->check(CLI::ExistingFile);
  for (CLI::App* c : {install}) {
    c->add_flag("--upgrade", o->upgrade, "Replace an installed version");
    c->add_flag("--allow-unsigned", o->allow_unsigned, "Install a pack that is unsigned or signed by an untrusted key");
  }

  CLI::App* list = pack->add_subcommand("list", "Installed packs");
  CLI::App* remove = pack->add_subcommand("remove", "Delete exactly what installing a pack added");
  remove->add_option("name", o->name, "Pack name")->required();
  remove->add_flag("--force", o->force, "Also delete the pack's files you changed since it was installed");
  for (CLI::App* c : {install, list, remove}) {
    c->add_flag("--user", o->user, "The user plugin folder ($XDG_DATA_HOME/hearth/plugins; the default)");
    c->add_flag("--system", o->system, "This installation's plugin folder (<prefix>/lib/hearth/plugins)");
    c->add_option("--into", o->into, "Another plugin folder (add it with --plugin-path or HEARTH_PLUGIN_PATH)");
  }
  install->callback([o] {
    InstallOptions io;
    io.root = destination(*o);
    io.upgrade = o->upgrade;
    io.allow_unsigned = o->allow_unsigned;
    fs::path folder = install_pack(o->file, trust_dir(), io);
    std::cout << "installed " << folder.string() << "; `hearth plugins` lists its modules\n";
  });
  list->callback([o] {
    std::vector<fs::path> roots;
    if (o->user || o->system || !o->into.empty()) roots.push_back(destination(*o));
    else roots = {user_plugin_folder(), install_layout().builtin_plugins};
    size_t n = 0;
    for (const fs::path& r : roots)
      for (const InstalledPack& p : installed_packs(r)) {
        std::cout << p.name << " " << p.version << "  " << (p.signed_by.empty() ? "unsigned or untrusted" : "signed by " + p.signed_by)
                  << "  " << p.folder.string() << "\n";
        ++n;
      }
    if (n == 0) std::cout << "(no packs installed)\n";
  });
  remove->callback([o] {
    fs::path root = destination(*o);
    std::vector<std::string> removed = remove_pack(root, o->name, o->force);
    std::cout << "removed pack " << o->name << " (" << removed.size() << " files) from " << root.string() << "\n";
  });
}

/// keygen, sign, trust: who packs come from.
void add_signing_commands(CLI::App* pack, const Options& o) {
  CLI::App* keygen = pack->add_subcommand("keygen", "Make an ed25519 key pair: NAME.key (keep it secret) and NAME.pub");
  keygen->add_option("name", o->name, "Base name of the key files")->required();
  keygen->callback([o] {
    std::string id = generate_key_pair(o->name);
    std::cout << "wrote " << o->name << ".key (secret) and " << o->name << ".pub (give it to your users), key id " << id << "\n";
  });

  CLI::App* sign = pack->add_subcommand("sign", "Sign a pack with a secret key (replaces an earlier signature)");
  sign->add_option("file", o->file, "Pack file")->required()->check(CLI::ExistingFile);
  sign->add_option("--key", o->key, "Secret key file (NAME.key)")->required()->check(CLI::ExistingFile);
  sign->callback([o] {
    sign_pack(o->file, o->key);
    std::cout << "signed " << o->file << "\n";
  });

  CLI::App* trust = pack->add_subcommand("trust", "The public keys whose signatures you trust");
  trust->require_subcommand(1);
  CLI::App* add = trust->add_subcommand("add", "Trust a public key (NAME.pub)");
  add->add_option("key", o->key, "Public key file")->required()->check(CLI::ExistingFile);
  add->callback([o] {
    TrustedKey k = trust_add(trust_dir(), o->key);
    std::cout << "trusted " << k.name << " (" << k.id << ")\n";
  });
  CLI::App* tlist = trust->add_subcommand("list", "Trusted keys");
  tlist->callback([] {
    auto keys = trust_list(trust_dir());
    for (const TrustedKey& k : keys) std::cout << k.id << "  " << k.name << "\n";
    if (keys.empty()) std::cout << "(no trusted keys in " << trust_dir().string() << ")\n";
  });
  CLI::App* tremove = trust->add_subcommand("remove", "Stop trusting a key (by id, id prefix or name)");
  tremove->add_option("key", o->name, "Key id or name")->required();
  tremove->callback([o] {
    TrustedKey k = trust_remove(trust_dir(), o->name);
    std::cout << "no longer trusted: " << k.name << " (" << k.id << ")\n";
  });
}

}  // namespace

void setup_pack_command(CLI::App& app) {
  auto o = std::make_shared<PackOptions>();
  CLI::App* pack = app.add_subcommand("pack", "Build, sign, verify, install and remove module packs (.hpack)");
  pack->require_subcommand(1);
  add_making_commands(pack, o);
  add_install_commands(pack, o);
  add_signing_commands(pack, o);
}

}  // namespace hearth::cli
