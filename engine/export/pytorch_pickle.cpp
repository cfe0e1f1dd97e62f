#include "engine/export/pytorch_pickle.hpp"

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <map>
#include <memory>
#include <variant>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/regular_file.hpp"

namespace hearth {
namespace {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

/// A storage named by a persistent id: its element type and its record key.
struct Storage {
  c10::ScalarType dtype;
  std::string key;
};

/// What the restricted machine can hold.
struct Value {
  enum Kind { none, boolean, integer, real, text, tuple, list, dict, global, storage, tensor, mark } kind = none;
  int64_t i = 0;
  double d = 0;
  std::string s;                                      // text; global: "module.name"
  std::vector<ValuePtr> items;                        // tuple, list
  std::vector<std::pair<ValuePtr, ValuePtr>> pairs;   // dict
  Storage store;
  at::Tensor t;
};

ValuePtr make(Value::Kind k) {
  auto v = std::make_shared<Value>();
  v->kind = k;
  return v;
}

const std::map<std::string, c10::ScalarType>& storage_types() {
  static const std::map<std::string, c10::ScalarType> types = {
      {"torch.FloatStorage", c10::kFloat},  {"torch.DoubleStorage", c10::kDouble}, {"torch.HalfStorage", c10::kHalf},
      {"torch.BFloat16Storage", c10::kBFloat16}, {"torch.LongStorage", c10::kLong}, {"torch.IntStorage", c10::kInt},
      {"torch.ShortStorage", c10::kShort},  {"torch.CharStorage", c10::kChar},     {"torch.ByteStorage", c10::kByte},
      {"torch.BoolStorage", c10::kBool}};
  return types;
}

/// The pickle machine over data.pkl, with the archive to fetch storages from.
class Machine {
 public:
  Machine(const std::string& where, caffe2::serialize::PyTorchStreamReader& zip) : where_(where), zip_(zip) {}
  ValuePtr run(const std::string& bytes);

 private:
  [[noreturn]] void bad(const std::string& why) const {
    throw UsageError(where_ + ": " + why + "; it is not a state_dict saved with torch.save(model.state_dict())");
  }
  const char* take(size_t n) {
    if (n > bytes_->size() - pos_) bad("the pickle ends early");
    const char* p = bytes_->data() + pos_;
    pos_ += n;
    return p;
  }
  template <class T>
  T number() {
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);  // pickle is little-endian, as x86 and ARM are
    return v;
  }
  std::string line() {
    size_t end = bytes_->find('\n', pos_);
    if (end == std::string::npos) bad("the pickle ends inside a name");
    std::string s = bytes_->substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  ValuePtr pop() {
    if (stack_.empty()) bad("the pickle pops an empty stack");
    ValuePtr v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::vector<ValuePtr> pop_to_mark() {
    std::vector<ValuePtr> out;
    while (true) {
      ValuePtr v = pop();
      if (v->kind == Value::mark) break;
      out.insert(out.begin(), v);
    }
    return out;
  }
  ValuePtr tuple_of(std::vector<ValuePtr> items) {
    ValuePtr v = make(Value::tuple);
    v->items = std::move(items);
    return v;
  }
  void global(const std::string& module, const std::string& name);
  ValuePtr reduce(const ValuePtr& callable, const ValuePtr& args);
  ValuePtr persistent(const ValuePtr& id);
  ValuePtr rebuild_tensor(const std::vector<ValuePtr>& a);
  bool step(uint8_t op);

  std::string where_;
  caffe2::serialize::PyTorchStreamReader& zip_;
  const std::string* bytes_ = nullptr;
  size_t pos_ = 0;
  std::vector<ValuePtr> stack_;
  std::map<uint64_t, ValuePtr> memo_;
};

void Machine::global(const std::string& module, const std::string& name) {
  const std::string full = module + "." + name;
  static const char* allowed[] = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
                                  "torch._utils._rebuild_parameter"};
  bool ok = storage_types().count(full) > 0;
  for (const char* a : allowed) ok |= full == a;
  if (!ok) bad("the pickle asks for " + printable(full) + ", which a state_dict does not hold");
  ValuePtr g = make(Value::global);
  g->s = full;
  stack_.push_back(g);
}

ValuePtr Machine::persistent(const ValuePtr& id) {
  // ('storage', torch.FloatStorage, key, location, numel)
  if (id->kind != Value::tuple || id->items.size() < 5 || id->items[0]->s != "storage" ||
      id->items[1]->kind != Value::global || id->items[2]->kind != Value::text)
    bad("the pickle has a persistent id that is not a storage");
  ValuePtr v = make(Value::storage);
  v->store = {storage_types().at(id->items[1]->s), id->items[2]->s};
  return v;
}

/// The storage's bytes as a flat tensor of its type; every tensor of the file is checked to lie
/// inside its storage before it is viewed.
ValuePtr Machine::rebuild_tensor(const std::vector<ValuePtr>& a) {
  if (a.size() < 5 || a[0]->kind != Value::storage || a[1]->kind != Value::integer || a[2]->kind != Value::tuple ||
      a[3]->kind != Value::tuple || a[2]->items.size() != a[3]->items.size())
    bad("a tensor is rebuilt from arguments that are not (storage, offset, size, stride, ...)");
  const std::string record = "data/" + a[0]->store.key;
  if (a[0]->store.key.find('/') != std::string::npos || !zip_.hasRecord(record))
    bad("a tensor's storage '" + printable(a[0]->store.key) + "' is missing from the archive");
  at::DataPtr data;
  size_t size = 0;
  std::tie(data, size) = zip_.getRecord(record);
  const int64_t element = static_cast<int64_t>(c10::elementSize(a[0]->store.dtype));
  if (size % element != 0) bad("storage '" + a[0]->store.key + "' is not a whole number of elements");
  const int64_t count = static_cast<int64_t>(size) / element;
  std::vector<int64_t> sizes, strides;
  int64_t last = a[1]->i;
  bool empty = false;
  for (size_t k = 0; k < a[2]->items.size(); ++k) {
    const ValuePtr &n = a[2]->items[k], &st = a[3]->items[k];
    if (n->kind != Value::integer || st->kind != Value::integer || n->i < 0 || st->i < 0) bad("a tensor has a negative or non-integer size");
    sizes.push_back(n->i);
    strides.push_back(st->i);
    empty |= n->i == 0;
    int64_t reach = 0;
    if (n->i > 0 && (__builtin_mul_overflow(n->i - 1, st->i, &reach) || __builtin_add_overflow(last, reach, &last)))
      bad("a tensor's size overflows");
  }
  if (a[1]->i < 0 || (!empty && last >= count)) bad("a tensor reaches outside its storage '" + a[0]->store.key + "'");
  at::Tensor flat = at::empty({count}, at::TensorOptions().dtype(a[0]->store.dtype));
  if (size > 0) std::memcpy(flat.data_ptr(), data.get(), size);
  ValuePtr v = make(Value::tensor);
  v->t = empty ? at::empty(sizes, flat.options()) : flat.as_strided(sizes, strides, a[1]->i).clone();
  return v;
}

ValuePtr Machine::reduce(const ValuePtr& callable, const ValuePtr& args) {
  if (callable->kind != Value::global || args->kind != Value::tuple) bad("the pickle calls something that is not allowed");
  if (callable->s == "collections.OrderedDict") return make(Value::dict);
  if (callable->s == "torch._utils._rebuild_tensor_v2") return rebuild_tensor(args->items);
  if (callable->s == "torch._utils._rebuild_parameter" && !args->items.empty() && args->items[0]->kind == Value::tensor)
    return args->items[0];
  bad("the pickle calls " + callable->s + " with arguments it does not take");
}

bool Machine::step(uint8_t op) {
  auto push = [&](ValuePtr v) { stack_.push_back(std::move(v)); };
  auto integer = [&](int64_t i) { ValuePtr v = make(Value::integer); v->i = i; push(v); };
  auto text = [&](size_t n) { ValuePtr v = make(Value::text); v->s.assign(take(n), n); push(v); };
  auto memo_get = [&](uint64_t k) { if (!memo_.count(k)) bad("the pickle reads a memo it never wrote"); push(memo_.at(k)); };
  auto memo_put = [&](uint64_t k) { if (stack_.empty()) bad("the pickle memoizes an empty stack"); memo_[k] = stack_.back(); };
  switch (op) {
    case 0x80: take(1); break;                                                 // PROTO
    case 0x95: take(8); break;                                                 // FRAME
    case '.': return false;                                                    // STOP
    case '(': push(make(Value::mark)); break;                                  // MARK
    case 'N': push(make(Value::none)); break;                                  // NONE
    case 0x88: case 0x89: { ValuePtr v = make(Value::boolean); v->i = op == 0x88; push(v); break; }
    case 'J': integer(number<int32_t>()); break;                               // BININT
    case 'K': integer(number<uint8_t>()); break;                               // BININT1
    case 'M': integer(number<uint16_t>()); break;                              // BININT2
    case 0x8a: {                                                               // LONG1
      const uint8_t n = number<uint8_t>();
      if (n > 8) bad("the pickle holds an integer wider than 64 bits");
      int64_t v = 0;
      const char* p = take(n);
      for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<uint8_t>(p[k]);
      if (n > 0 && n < 8 && (p[n - 1] & 0x80)) v -= int64_t{1} << (8 * n);
      integer(v);
      break;
    }
    case 'G': {                                                                // BINFLOAT (big-endian)
      uint64_t bits = 0;
      const char* p = take(8);
      for (int k = 0; k < 8; ++k) bits = (bits << 8) | static_cast<uint8_t>(p[k]);
      ValuePtr v = make(Value::real);
      std::memcpy(&v->d, &bits, 8);
      push(v);
      break;
    }
    case 'X': text(number<uint32_t>()); break;                                 // BINUNICODE
    case 0x8c: text(number<uint8_t>()); break;                                 // SHORT_BINUNICODE
    case 0x8d: { uint64_t n = number<uint64_t>(); if (n > bytes_->size()) bad("the pickle ends early"); text(n); break; }
    case 'c': { std::string m = line(); global(m, line()); break; }            // GLOBAL
    case 0x93: { ValuePtr n = pop(), m = pop(); global(m->s, n->s); break; }   // STACK_GLOBAL
    case 'q': memo_put(number<uint8_t>()); break;                              // BINPUT
    case 'r': memo_put(number<uint32_t>()); break;                             // LONG_BINPUT
    case 0x94: memo_put(memo_.size()); break;                                  // MEMOIZE
    case 'h': memo_get(number<uint8_t>()); break;                              // BINGET
    case 'j': memo_get(number<uint32_t>()); break;                             // LONG_BINGET
    case ')': push(tuple_of({})); break;                                       // EMPTY_TUPLE
    case 't': push(tuple_of(pop_to_mark())); break;                            // TUPLE
    case 0x85: { ValuePtr a = pop(); push(tuple_of({a})); break; }             // TUPLE1
    case 0x86: { ValuePtr b = pop(), a = pop(); push(tuple_of({a, b})); break; }
    case 0x87: { ValuePtr c = pop(), b = pop(), a = pop(); push(tuple_of({a, b, c})); break; }
    case ']': push(make(Value::list)); break;                                  // EMPTY_LIST
    case '}': push(make(Value::dict)); break;                                  // EMPTY_DICT
    case 'a': { ValuePtr v = pop(); if (stack_.empty() || stack_.back()->kind != Value::list) bad("APPEND to a non-list"); stack_.back()->items.push_back(v); break; }
    case 'e': { auto items = pop_to_mark(); if (stack_.empty() || stack_.back()->kind != Value::list) bad("APPENDS to a non-list"); for (auto& v : items) stack_.back()->items.push_back(v); break; }
    case 's': { ValuePtr v = pop(), k = pop(); if (stack_.empty() || stack_.back()->kind != Value::dict) bad("SETITEM on a non-dict"); stack_.back()->pairs.emplace_back(k, v); break; }
    case 'u': {                                                                // SETITEMS
      auto items = pop_to_mark();
      if (items.size() % 2 || stack_.empty() || stack_.back()->kind != Value::dict) bad("SETITEMS on a non-dict");
      for (size_t k = 0; k < items.size(); k += 2) stack_.back()->pairs.emplace_back(items[k], items[k + 1]);
      break;
    }
    case 'R': { ValuePtr args = pop(), fn = pop(); push(reduce(fn, args)); break; }  // REDUCE
    case 'Q': push(persistent(pop())); break;                                  // BINPERSID
    case 'b': pop(); break;  // BUILD: an OrderedDict's _metadata (versions), nothing a tensor needs
    default: bad("the pickle uses opcode 0x" + [&] { char h[8]; std::snprintf(h, sizeof h, "%02x", op); return std::string(h); }() +
                 ", which a state_dict does not");
  }
  return true;
}

ValuePtr Machine::run(const std::string& bytes) {
  bytes_ = &bytes;
  while (step(static_cast<uint8_t>(*take(1)))) {
  }
  if (stack_.size() != 1) bad("the pickle leaves " + std::to_string(stack_.size()) + " values");
  return stack_.back();
}

}  // namespace

NamedTensors read_state_dict_pt(const std::filesystem::path& file) {
  const std::string where = printable(file.string());
  require_regular_file(file, "weights file");
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> zip;
  std::string pickle;
  try {
    zip = std::make_unique<caffe2::serialize::PyTorchStreamReader>(file.string());
    at::DataPtr data;
    size_t size = 0;
    std::tie(data, size) = zip->getRecord("data.pkl");
    pickle.assign(static_cast<const char*>(data.get()), size);
  } catch (const c10::Error& e) {
    throw UsageError(where + " is not a zip file made by torch.save (PyTorch 1.6 or later): " + e.what_without_backtrace());
  }
  Machine machine(where, *zip);
  ValuePtr root;
  try {
    root = machine.run(pickle);
  } catch (const c10::Error& e) {
    throw UsageError(where + ": cannot read a storage: " + e.what_without_backtrace());
  }
  if (root->kind != Value::dict) throw UsageError(where + " holds no dict of tensors; save model.state_dict(), not the model");
  NamedTensors out;
  for (const auto& [k, v] : root->pairs) {
    if (k->kind != Value::text || v->kind != Value::tensor)
      throw UsageError(where + " holds an entry that is not a name and a tensor; save model.state_dict(), not the model");
    out.emplace_back(k->s, v->t);
  }
  return out;
}

}  // namespace hearth
