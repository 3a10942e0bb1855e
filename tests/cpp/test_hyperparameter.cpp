// Tests of the C++ layer and the C ABI behind it. Usage: test_hyperparameter VECTORS_DIR
// (the directory holding hash.tsv, keys.tsv and conversions.tsv).
#include "hyperparameter.h"

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "check.h"

int second_unit_read_depth();
std::string second_unit_read_name();
int second_unit_with_depth(int depth, int (*callback)());

// The seeds' README snippet, as written there.
#define ASSERT(cond, message) CHECK_MSG(cond, message)

namespace hp = hyperparameter;

namespace {

// Literal keys are hashed at compile time; these rows of hash.tsv are checked by the compiler.
static_assert(hp::key_hash("a") == 9864288744972464332ULL, "hash.tsv: a");
static_assert(hp::key_hash("train.optimizer.lr") == 12104127842965780987ULL, "hash.tsv");
static_assert(hp::key_hash("exactly_32_bytes_long_key_abcdef") == 10031314403402204533ULL,
              "hash.tsv: the 32-byte stripe path");
static_assert(HP_LITERAL_KEY_HASH(model.layers._0.size) == 11695776023850592282ULL,
              "a stringified literal key hashes as its text");
static_assert(hp::key_problem("a..b") != nullptr && hp::key_problem("a.b=c") != nullptr &&
                  hp::key_problem("a b") != nullptr && hp::key_problem("a.") != nullptr &&
                  hp::key_problem("模型.学习率") == nullptr,
              "compile-time key rules");

// The item layout the library expects (crates/hyperparameter-capi/src/lib.rs checks the same
// figures on its side).
static_assert(sizeof(void *) != 8 || sizeof(hp_item_t) == 88, "hp_item_t layout");
static_assert(sizeof(void *) != 8 || offsetof(hp_item_t, kind) == 24, "hp_item_t layout");
static_assert(sizeof(void *) != 8 || offsetof(hp_item_t, file) == 64, "hp_item_t layout");
static_assert(sizeof(void *) != 8 || offsetof(hp_item_t, line) == 80, "hp_item_t layout");

std::vector<std::vector<std::string>> read_rows(const std::string &path) {
  std::ifstream file(path);
  if (!file) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    std::exit(2);
  }
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      fields.push_back(line.substr(start, tab - start));
    }
    fields.push_back(line.substr(start));
    rows.push_back(fields);
  }
  return rows;
}

void test_hash_vectors(const std::string &dir) {
  const auto rows = read_rows(dir + "/hash.tsv");
  CHECK(rows.size() >= 17);
  for (const auto &row : rows) {
    const std::string &key = row.at(0);
    const std::uint64_t expected = std::stoull(row.at(1));
    CHECK_MSG(hp::key_hash(key) == expected, key);
    std::uint64_t from_library = 0;
    CHECK_MSG(hp_key_hash(key.data(), key.size(), &from_library) == HP_OK, key);
    CHECK_MSG(from_library == expected, key);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hp::key_hash(key)));
    CHECK_MSG(row.at(2) == hex, key);
  }
}

// The key column of keys.tsv with \uXXXX and \UXXXXXXXX written out as UTF-8 (a lone
// surrogate as its three-byte form, which is not UTF-8 and so not a key).
std::string decode_key(const std::string &column) {
  std::string out;
  for (std::size_t i = 0; i < column.size(); ++i) {
    if (column[i] != '\\') {
      out += column[i];
      continue;
    }
    const std::size_t width = column.at(i + 1) == 'U' ? 8 : 4;
    const auto code = static_cast<std::uint32_t>(std::stoul(column.substr(i + 2, width), nullptr, 16));
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
    i += 1 + width;
  }
  return out;
}

// Every key of keys.tsv is accepted or refused by the library's run-time check, and a refusal
// names the reason (a lone surrogate is refused as not UTF-8).
void test_key_vectors(const std::string &dir) {
  const auto rows = read_rows(dir + "/keys.tsv");
  CHECK(rows.size() >= 40);
  for (const auto &row : rows) {
    const std::string key = decode_key(row.at(0));
    const bool valid = row.at(1) == "yes";
    std::uint64_t hash = 0;
    const hp_status_t status = hp_key_hash(key.data(), key.size(), &hash);
    if (valid) {
      CHECK_MSG(status == HP_OK, row.at(0));
      CHECK_MSG(hash == hp::key_hash(key), row.at(0));
      continue;
    }
    CHECK_MSG(status == HP_INVALID_KEY, row.at(0));
    const std::string message = hp_last_error_message();
    const std::string reason = row.at(2) == "surrogate" ? "not UTF-8" : row.at(2);
    CHECK_MSG(message.find(reason) != std::string::npos, row.at(0) + ": " + message);
  }
}

// Stores `text` as a value of type `kind` (a conversions.tsv column) under `key`.
void store(hp::Scope &scope, const std::string &key, const std::string &kind,
           const std::string &text) {
  if (kind == "str") scope.put(key, text);
  else if (kind == "int") scope.put(key, static_cast<std::int64_t>(std::stoll(text)));
  else if (kind == "float") scope.put(key, std::stod(text));
  else if (kind == "bool") scope.put(key, text == "true");
  else if (kind == "null") scope.put(key, nullptr);
  else throw std::logic_error("unknown stored type " + kind);
}

// Reads `key` with a default of type `target`, rendered as text for comparison.
std::string read_as(const std::string &key, const std::string &target) {
  if (target == "int") return std::to_string(hp::get(key, std::int64_t{-999}));
  if (target == "float") {
    std::ostringstream text;
    text.precision(17);
    text << hp::get(key, -999.0);
    return text.str();
  }
  if (target == "bool") return hp::get(key, false) ? "true" : "false";
  if (target == "str") return hp::get(key, std::string("<default>"));
  throw std::logic_error("unknown target " + target);
}

void test_conversion_vectors(const std::string &dir) {
  const auto rows = read_rows(dir + "/conversions.tsv");
  CHECK(rows.size() >= 45);
  for (const auto &row : rows) {
    const std::string &kind = row.at(0), &text = row.at(1), &target = row.at(2),
                      &expected = row.at(3);
    const std::string the_case = kind + " \"" + text + "\" -> " + target;
    const std::string key = "vectors.case";
    hp::Scope scope;
    store(scope, key, kind, text);
    if (expected == "ERROR") {
      CHECK_THROWS(read_as(key, target), HP_CONVERSION, key);
    } else if (expected == "null") {
      CHECK_THROWS(read_as(key, target), HP_NULL_VALUE, key);
    } else {
      std::string got;
      try {
        got = read_as(key, target);
      } catch (const hp::Error &error) {
        check::fail(__FILE__, __LINE__, the_case + ": " + error.what());
        continue;
      }
      if (target == "float") {
        CHECK_MSG(std::strtod(got.c_str(), nullptr) == std::strtod(expected.c_str(), nullptr),
                  the_case + ": got " + got);
      } else {
        CHECK_MSG(got == expected, the_case + ": got " + got);
      }
    }
  }
}

void test_seeds_snippet() {
  ASSERT(1 == GET_PARAM(a.b, 1), "get undefined param");
  {
    auto guard = WITH_PARAMS(a, 1,        //
                             a.b, 2.0,    //
                             a.b.c, true, //
                             a.b.c.d, "str");
    ASSERT(1 == GET_PARAM(a, 0), "get int value");
    ASSERT(1 == GET_PARAM(a, 0), "get int value");
    ASSERT(2.0 == GET_PARAM(a.b, 0.0), "get double value");
    ASSERT(GET_PARAM(a.b.c, false), "get bool value");
    ASSERT(GET_PARAM(a.b.c.d, "") == "str", "get string value");
    ASSERT(2 == GET_PARAM(a.b, 0), "an exact float reads as int");
  }
  ASSERT(0 == GET_PARAM(a, 0), "the scope rolled back");
}

void test_defaults_of_every_type() {
  CHECK(GET_PARAM(types.absent, 7) == 7);
  CHECK(GET_PARAM(types.absent, 7L) == 7L);
  CHECK(GET_PARAM(types.absent, 2.5) == 2.5);
  CHECK(GET_PARAM(types.absent, 2.5f) == 2.5f);
  CHECK(GET_PARAM(types.absent, true) == true);
  CHECK(GET_PARAM(types.absent, "text") == "text");
  CHECK(GET_PARAM(types.absent, std::string("text")) == "text");
  const char *no_text = nullptr;
  CHECK(GET_PARAM(types.absent, no_text).empty());
  auto guard = WITH_PARAMS(types.port, "8080", types.lr, "1e-3", types.flag, "yes",
                           types.big, 5000000000LL, types.zero, 0, types.empty, "");
  CHECK(GET_PARAM(types.port, 80) == 8080);
  CHECK(GET_PARAM(types.port, 80u) == 8080u);
  CHECK(GET_PARAM(types.lr, 0.1) == 0.001);
  CHECK(GET_PARAM(types.flag, false) == true);
  CHECK(GET_PARAM(types.big, 0LL) == 5000000000LL);
  CHECK_THROWS(GET_PARAM(types.big, 0), HP_CONVERSION, "types.big");
  CHECK_THROWS(GET_PARAM(types.big, std::int16_t{0}), HP_CONVERSION, "out of range");
  CHECK(GET_PARAM(types.zero, 1) == 0);      // present zero is not missing
  CHECK(GET_PARAM(types.zero, true) == false);
  CHECK(GET_PARAM(types.empty, "default").empty());
  CHECK(GET_PARAM(types.zero, "") == "0");
  CHECK_THROWS(GET_PARAM(types.port, true), HP_CONVERSION, "types.port");
  CHECK_THROWS(GET_PARAM(types.lr, 1), HP_CONVERSION, "types.lr");
}

void test_long_strings_use_the_retry_path() {
  const std::string long_text(1000, 'x');
  hp::Scope scope;
  scope.put("text.long", long_text).put("text.exact", std::string(127, 'y'));
  CHECK(GET_PARAM(text.long, "") == long_text);
  CHECK(GET_PARAM(text.exact, "") == std::string(127, 'y'));
  scope.put("text.exact", std::string(128, 'z'));
  CHECK(GET_PARAM(text.exact, "") == std::string(128, 'z'));
  scope.put("text.utf8", "模型");
  CHECK(hp::get("text.utf8", "") == "模型");
}

void test_nested_scopes_and_rollback() {
  CHECK(GET_PARAM(nest.x, 0) == 0);
  {
    auto outer = WITH_PARAMS(nest.x, 1, nest.y, "outer");
    CHECK(GET_PARAM(nest.x, 0) == 1);
    {
      auto inner = WITH_PARAMS(nest.x, 2);
      CHECK(GET_PARAM(nest.x, 0) == 2);
      CHECK(GET_PARAM(nest.y, "") == "outer");
      hp::put("nest.z", 3);  // goes to the innermost scope
      CHECK(hp::get("nest.z", 0) == 3);
    }
    CHECK(GET_PARAM(nest.x, 0) == 1);
    CHECK(hp::get("nest.z", 0) == 0);
  }
  CHECK(GET_PARAM(nest.x, 0) == 0);
  CHECK(GET_PARAM(nest.y, "none") == "none");
}

void test_exceptions_roll_back() {
  try {
    auto guard = WITH_PARAMS(exc.x, 1);
    hp::put("exc.y", 2);
    throw std::runtime_error("leaving by exception");
  } catch (const std::runtime_error &) {
  }
  CHECK(GET_PARAM(exc.x, 0) == 0);
  CHECK(GET_PARAM(exc.y, 0) == 0);
  // A conversion error thrown inside a scope leaves it too.
  try {
    auto guard = WITH_PARAMS(exc.bad, "many");
    (void)GET_PARAM(exc.bad, 1);
    CHECK_MSG(false, "no exception");
  } catch (const hp::Error &error) {
    CHECK(error.status() == HP_CONVERSION);
    CHECK(std::string(error.what()).find("exc.bad") != std::string::npos);
    CHECK(std::string(error.what()).find("\"many\"") != std::string::npos);
    const std::runtime_error &as_runtime_error = error;  // Error is a std::runtime_error
    CHECK(as_runtime_error.what() == std::string(error.what()));
  }
  CHECK(GET_PARAM(exc.bad, 5) == 5);
}

void test_values_know_their_call_site() {
  const std::string here = "test_hyperparameter.cpp:";
  {
    auto guard = WITH_PARAMS(site.port, "many"); const int line = __LINE__;
    CHECK_THROWS(GET_PARAM(site.port, 80), HP_CONVERSION, here + std::to_string(line));
  }
  hp::Scope scope;
  scope.put("site.lr", "fast"); const int line = __LINE__;
  CHECK_THROWS(GET_PARAM(site.lr, 0.1), HP_CONVERSION, here + std::to_string(line));
  hp::put("site.flag", "maybe"); const int put_line = __LINE__;
  CHECK_THROWS(GET_PARAM(site.flag, true), HP_CONVERSION, here + std::to_string(put_line));
}

void test_scope_objects() {
  hp::Scope outer;
  outer.put("obj.a", 1).put("obj.b", std::string("two"));
  CHECK(outer.get("obj.a", 0) == 1);
  CHECK(outer.get("obj.b", "") == "two");
  {
    hp::Scope inner;
    // Writing through the outer scope while the inner one is active is an error (SPEC §3).
    CHECK_THROWS(outer.put("obj.c", 3), HP_SCOPE_ORDER, "obj.c");
    // Leaving the outer scope first is an error, and changes nothing.
    CHECK_THROWS(outer.exit(), HP_SCOPE_ORDER, "reverse order");
    CHECK(outer.active());
    inner.put("obj.a", 10);
    CHECK(GET_PARAM(obj.a, 0) == 10);
  }
  CHECK(GET_PARAM(obj.a, 0) == 1);
  hp::Scope moved = std::move(outer);
  CHECK(!outer.active());
  CHECK(moved.active());
  moved.exit();
  CHECK(!moved.active());
  CHECK(GET_PARAM(obj.a, 0) == 0);
}

void test_invalid_keys_and_collisions() {
  CHECK_THROWS(hp::get("bad..key", 1), HP_INVALID_KEY, "bad..key");
  CHECK_THROWS(hp::put("bad key", 1), HP_INVALID_KEY, "bad key");
  CHECK_THROWS(hp::put("a.${x}", 1), HP_INVALID_KEY, "a.${x}");
  std::uint64_t hash = 0;
  CHECK(hp_key_hash("a=b", 3, &hash) == HP_INVALID_KEY);
  // A C caller passing a hash that is not its key's: refused on write.
  CHECK(hp_put_i64(hp::key_hash("x.y") + 1, "x.y", 3, 1) == HP_INVALID_ARGUMENT);
  CHECK(std::string(hp_last_error_message()).find("x.y") != std::string::npos);
}

void test_scope_items_with_one_key_twice() {
  // One key twice: the later item wins, and leaving restores the key's absence.
  const std::uint64_t dup = hp::key_hash("items.dup");
  {
    const hp_item_t items[] = {hp::detail::make_item(dup, "items.dup", 9, 1, nullptr, 0, 0),
                               hp::detail::make_item(dup, "items.dup", 9, 2, nullptr, 0, 0)};
    std::uint64_t scope = 0;
    CHECK(hp_scope_enter_with(items, 2, &scope) == HP_OK);
    CHECK(GET_PARAM(items.dup, 0) == 2);
    CHECK(hp_scope_exit(scope) == HP_OK);
    CHECK(GET_PARAM(items.dup, 0) == 0);
  }
}

void test_second_translation_unit() {
  CHECK(second_unit_read_depth() == -1);
  CHECK(second_unit_read_name() == "unset");
  auto guard = WITH_PARAMS(second.name, "from main");
  CHECK(second_unit_read_name() == "from main");
  CHECK(second_unit_with_depth(3, [] { return GET_PARAM(second.depth, 0); }) == 3);
  CHECK(second_unit_read_depth() == -1);
}

void test_threads_are_isolated() {
  auto guard = WITH_PARAMS(thr.main_only, 1);
  int seen_in_thread = -1;
  std::thread([&] { seen_in_thread = GET_PARAM(thr.main_only, 0); }).join();
  CHECK(seen_in_thread == 0);  // threads start from the frozen snapshot, not our scope

  constexpr int kThreads = 8;
  constexpr int kRounds = 2000;
  std::vector<std::thread> threads;
  std::vector<int> mismatches(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &mismatches] {
      for (int round = 0; round < kRounds; ++round) {
        auto outer = WITH_PARAMS(thr.id, t, thr.round, round);
        {
          auto inner = WITH_PARAMS(thr.id, t * 1000);
          if (GET_PARAM(thr.id, -1) != t * 1000) ++mismatches[t];
          if (GET_PARAM(thr.round, -1) != round) ++mismatches[t];
        }
        if (GET_PARAM(thr.id, -1) != t) ++mismatches[t];
      }
      if (GET_PARAM(thr.id, -1) != -1) ++mismatches[t];
    });
  }
  for (auto &thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) CHECK_MSG(mismatches[t] == 0, "thread " + std::to_string(t));
  CHECK(GET_PARAM(thr.main_only, 0) == 1);
}

void test_frozen_reaches_new_threads_only() {
  hp::put("frozen.value", 41);  // the main thread's root layer
  hp::frozen();
  int seen = 0;
  std::thread([&] { seen = GET_PARAM(frozen.value, 0); }).join();
  CHECK(seen == 41);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
    return 2;
  }
  CHECK(hp_abi_version() == HP_ABI_VERSION);
  test_hash_vectors(argv[1]);
  test_key_vectors(argv[1]);
  test_conversion_vectors(argv[1]);
  test_seeds_snippet();
  test_defaults_of_every_type();
  test_long_strings_use_the_retry_path();
  test_nested_scopes_and_rollback();
  test_exceptions_roll_back();
  test_values_know_their_call_site();
  test_scope_objects();
  test_invalid_keys_and_collisions();
  test_scope_items_with_one_key_twice();
  test_second_translation_unit();
  test_threads_are_isolated();
  test_frozen_reaches_new_threads_only();
  if (check::failures() != 0) {
    std::fprintf(stderr, "%d check(s) failed\n", check::failures().load());
    return 1;
  }
  std::printf("C++ tests passed\n");
  return 0;
}
