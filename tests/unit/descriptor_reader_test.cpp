// The ABI checks: versions, struct sizes (the OBS rule), required entries, schemas.
#include "unit/catch.hpp"

#include <cstddef>
#include <cstring>
#include <vector>

#include "engine/core/descriptor_reader.hpp"
#include "engine/core/host_facts.hpp"

using namespace hearth;

namespace {

hearth_status create(const hearth_params*, hearth_object** out) {
  *out = nullptr;
  return HEARTH_OK;
}
void destroy(hearth_object*) {}
hearth_status update(hearth_object*, const hearth_tensor* const*, size_t, const hearth_tensor* const*, size_t) {
  return HEARTH_OK;
}
hearth_status compute(hearth_object*, double*) { return HEARTH_OK; }
hearth_status reset(hearth_object*) { return HEARTH_OK; }
int higher(hearth_object*) { return 1; }

/// A valid one-metric library, each piece modifiable by a test.
struct Fixture {
  hearth_metric_functions functions{sizeof(hearth_metric_functions), update, compute, reset, higher};
  hearth_param_spec param{sizeof(hearth_param_spec), "k", HEARTH_PARAM_INT, "3", 1, 1.0, 0, 0, nullptr, 0, "k", HEARTH_PARAM_PLAIN};
  hearth_module_descriptor module{sizeof(hearth_module_descriptor), HEARTH_CATEGORY_METRIC, "topk", "s", "d", &param, 1,
                                  create, destroy, &functions};
  const hearth_module_descriptor* modules[1] = {&module};
  hearth_library_descriptor library{sizeof(hearth_library_descriptor),
                                    HEARTH_ABI_MAJOR,
                                    HEARTH_ABI_MINOR,
                                    host_facts().torch_major,
                                    host_facts().torch_minor,
                                    host_facts().cxx11_abi,
                                    "test",
                                    "pack",
                                    "1.0",
                                    modules,
                                    1};
};

std::string refusal(const hearth_library_descriptor* d) {
  try {
    read_library(d);
  } catch (const LibraryRefusal& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a valid library is read with its schema", "[abi]") {
  Fixture f;
  CheckedLibrary lib = read_library(&f.library);
  REQUIRE(lib.info.modules.size() == 1);
  CHECK(lib.info.modules[0].name == "topk");
  CHECK(lib.info.modules[0].params[0].min == 1.0);
  CHECK_FALSE(lib.info.modules[0].params[0].max.has_value());
  CHECK(lib.tables[0].functions.metric.compute == &compute);
}

TEST_CASE("version rules - major equal minor not newer same LibTorch and CXX11 ABI", "[abi]") {
  Fixture f;
  f.library.abi_major = HEARTH_ABI_MAJOR + 1;
  std::string e = refusal(&f.library);
  CHECK_THAT(e, ContainsSubstring("plugin ABI major differs"));
  CHECK_THAT(e, ContainsSubstring("built for plugin ABI " + std::to_string(HEARTH_ABI_MAJOR + 1)));
  CHECK_THAT(e, ContainsSubstring("this host needs plugin ABI " + std::to_string(HEARTH_ABI_MAJOR)));

  Fixture g;
  g.library.abi_minor = HEARTH_ABI_MINOR + 1;
  CHECK_THAT(refusal(&g.library), ContainsSubstring("minor is newer"));

  Fixture h;
  h.library.torch_minor += 1;
  CHECK_THAT(refusal(&h.library), ContainsSubstring("LibTorch version differs"));

  Fixture i;
  i.library.cxx11_abi = host_facts().cxx11_abi == 1 ? 0 : 1;
  CHECK_THAT(refusal(&i.library), ContainsSubstring("_GLIBCXX_USE_CXX11_ABI differs"));
}

TEST_CASE("structs smaller than ABI 1.0 are refused larger ones from newer minors are read", "[abi]") {
  Fixture f;
  f.library.struct_size = 12;
  CHECK_THAT(refusal(&f.library), ContainsSubstring("library descriptor has struct_size 12"));

  Fixture g;
  g.functions.struct_size = sizeof(uint32_t) + sizeof(void*);
  CHECK_THAT(refusal(&g.library), ContainsSubstring("function table has struct_size"));

  // A plugin from a later minor appends fields: the host copies the prefix it knows.
  Fixture h;
  std::vector<unsigned char> bigger(sizeof(hearth_module_descriptor) + 64, 0xAB);
  std::memcpy(bigger.data(), &h.module, sizeof(hearth_module_descriptor));
  uint32_t size = static_cast<uint32_t>(bigger.size());
  std::memcpy(bigger.data(), &size, sizeof size);
  h.modules[0] = reinterpret_cast<const hearth_module_descriptor*>(bigger.data());
  CheckedLibrary lib = read_library(&h.library);
  CHECK(lib.info.modules[0].name == "topk");
}

TEST_CASE("missing entries bad names and duplicate modules are refused", "[abi]") {
  Fixture f;
  f.functions.reset = nullptr;
  CHECK_THAT(refusal(&f.library), ContainsSubstring("metric 'topk' has no 'reset' function"));

  Fixture g;
  g.module.name = "Top K";
  CHECK_THAT(refusal(&g.library), ContainsSubstring("'Top K', which is not"));

  Fixture h;
  h.module.category = static_cast<hearth_category>(42);
  CHECK_THAT(refusal(&h.library), ContainsSubstring("unknown category 42"));

  Fixture i;
  const hearth_module_descriptor* twice[2] = {&i.module, &i.module};
  i.library.modules = twice;
  i.library.module_count = 2;
  CHECK_THAT(refusal(&i.library), ContainsSubstring("offers metric 'topk' twice"));

  CHECK_THAT(refusal(nullptr), ContainsSubstring("returned no descriptor"));
}

TEST_CASE("schemas with bad defaults or reserved keys are refused", "[abi]") {
  Fixture f;
  f.param.default_toml = "0";  // below its own minimum
  CHECK_THAT(refusal(&f.library), ContainsSubstring("parameter 'k': default is invalid"));

  Fixture g;
  g.param.key = "plugin";
  CHECK_THAT(refusal(&g.library), ContainsSubstring("reserve"));

  Fixture h;
  h.param.type = static_cast<hearth_param_type>(99);
  CHECK_THAT(refusal(&h.library), ContainsSubstring("unknown type 99"));
}

namespace {
hearth_status opt_bind(hearth_object*, const hearth_tensor* const*, size_t) { return HEARTH_OK; }
hearth_status opt_plain(hearth_object*) { return HEARTH_OK; }
size_t opt_groups(hearth_object*) { return 1; }
hearth_status opt_get(hearth_object*, size_t, double*) { return HEARTH_OK; }
hearth_status opt_set(hearth_object*, size_t, double) { return HEARTH_OK; }
hearth_status opt_save(hearth_object*, hearth_bytes*) { return HEARTH_OK; }
hearth_status opt_load(hearth_object*, const void*, size_t) { return HEARTH_OK; }
}  // namespace

TEST_CASE("an ABI 1.0 optimizer without the 1.1 train entry still loads", "[abi]") {
  Fixture f;
  hearth_optimizer_functions table{sizeof(hearth_optimizer_functions), opt_bind, opt_plain, opt_plain, opt_groups,
                                   opt_get, opt_set, opt_save, opt_load, nullptr, nullptr};
  table.struct_size = static_cast<uint32_t>(offsetof(hearth_optimizer_functions, train));  // as built against 1.0
  table.train = reinterpret_cast<hearth_status (*)(hearth_object*, int)>(0x1);  // beyond its size: must be ignored
  f.module.category = HEARTH_CATEGORY_OPTIMIZER;
  f.module.functions = &table;
  f.library.abi_minor = 0;
  CheckedLibrary lib = read_library(&f.library);
  CHECK(lib.tables[0].functions.optimizer.step == &opt_plain);
  CHECK(lib.tables[0].functions.optimizer.train == nullptr);
}
