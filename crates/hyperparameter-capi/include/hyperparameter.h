/*
 * hyperparameter.h: the C ABI of the hyperparameter store and a header-only C++17 layer.
 *
 * C: link libhyperparameter_capi (shared or static) and call the hp_* functions below.
 * C++17: the same, plus namespace `hyperparameter` (GET_PARAM, WITH_PARAMS, Scope, get, put)
 * at the end of this file. See docs/cpp.md.
 *
 * Conventions of the C ABI
 * - Functions return an hp_status_t. After a status other than HP_OK and HP_MISSING,
 *   hp_last_error_message() explains it (key, value, its source and the target type).
 * - A key is passed as its hash plus its UTF-8 text (pointer and length, no NUL needed).
 *   The hash is xxh64(utf8(key), seed 42): hp_key_hash() computes it and checks the key, the
 *   C++ macros do both at compile time. Reads trust the key and its hash (a wrong hash or an
 *   invalid key only misses, so reads of absent keys stay cheap); writes check both.
 * - Ownership: every pointer argument is borrowed for the duration of the call only; the
 *   library copies what it keeps. The library never hands out memory the caller must free:
 *   strings are copied into caller-owned buffers (hp_get_str), and the error message is owned
 *   by the library.
 * - Scopes are per thread: a scope is entered and exited on the same thread, in reverse order
 *   of entry. Each thread starts from the snapshot made by the last hp_frozen().
 */
#ifndef HYPERPARAMETER_H
#define HYPERPARAMETER_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

/* BEGIN GENERATED C ABI (cbindgen.toml, tests/header_is_current.rs; do not edit by hand) */
// Version of this ABI; bumped only for incompatible changes (additions keep it).
#define HP_ABI_VERSION 1

// What an `hp_*` call did. The numbers are part of the ABI: they are never reused or
// renumbered, new codes are only appended.
enum hp_status_t
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : int32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // Success.
  HP_OK = 0,
  // The key is absent: the default was written to the output (not an error).
  HP_MISSING = 1,
  // The stored value does not convert to the requested type.
  HP_CONVERSION = 2,
  // The stored value is a present null, which no typed read can return.
  HP_NULL_VALUE = 3,
  // The key breaks the key rules, or is not UTF-8.
  HP_INVALID_KEY = 4,
  // A null pointer, a hash that does not belong to its key, a bad item kind, text that
  // is not UTF-8.
  HP_INVALID_ARGUMENT = 5,
  // A scope exited out of order, or written to while another scope is active inside it.
  HP_SCOPE_ORDER = 6,
  // Two different keys with the same hash; the write was refused.
  HP_COLLISION = 7,
  // The caller's buffer is too small; the needed length was written to `out_len`.
  HP_BUFFER_TOO_SMALL = 8,
  // A panic inside the library was caught at the boundary (a bug; please report it).
  HP_PANIC = 9,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum hp_status_t hp_status_t;
#else
typedef int32_t hp_status_t;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// The kind of value an item (`HpItem`, `hp_item_t` in C) carries.
enum hp_kind_t
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : int32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // A present null.
  HP_KIND_NULL = 0,
  // `int_value != 0`.
  HP_KIND_BOOL = 1,
  // `int_value`.
  HP_KIND_INT = 2,
  // `float_value`.
  HP_KIND_FLOAT = 3,
  // `str_value`/`str_len` (UTF-8).
  HP_KIND_STR = 4,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum hp_kind_t hp_kind_t;
#else
typedef int32_t hp_kind_t;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// One `key = value` override, as passed to `hp_scope_enter_with`, `hp_scope_put` and
// `hp_put`.
//
// Ownership: `key`, `str_value` and `file` are borrowed for the call only; the library copies
// them.
typedef struct hp_item_t {
  // `hp_key_hash(key)`.
  uint64_t hash;
  // UTF-8 key text, borrowed, not NUL-terminated.
  const char *key;
  // Length of `key` in bytes.
  size_t key_len;
  // An `HP_KIND_*` number.
  int32_t kind;
  // The value for `HP_KIND_BOOL` (0 or not) and `HP_KIND_INT`.
  int64_t int_value;
  // The value for `HP_KIND_FLOAT`.
  double float_value;
  // The value for `HP_KIND_STR`: UTF-8, borrowed, not NUL-terminated.
  const char *str_value;
  // Length of `str_value` in bytes.
  size_t str_len;
  // Where the write is made (`__FILE__`), recorded as the value's source; borrowed, not
  // NUL-terminated; null when unknown.
  const char *file;
  // Length of `file` in bytes.
  size_t file_len;
  // Line of the write (`__LINE__`).
  uint32_t line;
} hp_item_t;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

// The ABI version this library implements (`HP_ABI_VERSION` in the header).
//
// # Safety
// Takes no pointer; always safe to call.
uint32_t hp_abi_version(void);

// Checks `key` and writes `xxh64(utf8(key), 42)` to `*out_hash`.
// `key` is borrowed for the call; `out_hash` must be writable.
//
// # Safety
// `key` points to `key_len` readable bytes (or is null with `key_len == 0`); `out_hash` is
// null or writable.
hp_status_t hp_key_hash(const char *key, size_t key_len, uint64_t *out_hash);

// Reads `key` as a 64-bit integer into `*out`. Absent: writes `default_value` and
// returns `HP_MISSING`. `key` is borrowed for the call; `out` must be writable.
//
// # Safety
// `key` points to `key_len` readable bytes (or is null with `key_len == 0`); `out` is null
// or writable.
hp_status_t hp_get_i64(uint64_t hash,
                       const char *key,
                       size_t key_len,
                       int64_t default_value,
                       int64_t *out);

// Reads `key` as a 64-bit float; otherwise as `hp_get_i64`.
//
// # Safety
// As `hp_get_i64`.
hp_status_t hp_get_f64(uint64_t hash,
                       const char *key,
                       size_t key_len,
                       double default_value,
                       double *out);

// Reads `key` as a bool; otherwise as `hp_get_i64`.
//
// # Safety
// As `hp_get_i64`.
hp_status_t hp_get_bool(uint64_t hash,
                        const char *key,
                        size_t key_len,
                        bool default_value,
                        bool *out);

// Reads `key` as text into the caller-owned buffer `buf` of `buf_cap` bytes:
// the UTF-8 bytes followed by a NUL, with the length (without the NUL) in `*out_len`.
// If `buf_cap` is less than length + 1, nothing is copied, `*out_len` is the length and
// the status is `HP_BUFFER_TOO_SMALL` (`buf` may be null when `buf_cap` is 0). Absent:
// `HP_MISSING`, `*out_len` is 0 and `buf` is untouched.
//
// # Safety
// `key` as for `hp_get_i64`; `buf` is null or points to `buf_cap` writable bytes; `out_len`
// is null or writable.
hp_status_t hp_get_str(uint64_t hash,
                       const char *key,
                       size_t key_len,
                       char *buf,
                       size_t buf_cap,
                       size_t *out_len);

// Writes the operative config (every key read so far in the process, by any language) to
// the file `path` (`path_len` bytes of UTF-8, borrowed for the call), TOML, YAML or JSON by
// its extension, each value's source as a comment where the format has comments.
//
// # Safety
// `path` points to `path_len` readable bytes (or is null with `path_len == 0`).
hp_status_t hp_report_save(const char *path, size_t path_len);

// Records that a text read of the absent `key` (with its `hash`) returned `text`
// (`text_len` bytes of UTF-8) as its default; the C++ layer calls it after `hp_get_str`
// answered `HP_MISSING`. A default recorded already is skipped without allocating.
//
// # Safety
// `key` and `text` point to `key_len` and `text_len` readable bytes (or are null with a
// length of 0).
hp_status_t hp_report_note_default_str(uint64_t hash,
                                       const char *key,
                                       size_t key_len,
                                       const char *text,
                                       size_t text_len);

// Enters a new, empty scope on this thread, layered on the current view, and writes its
// id to `*out_scope` (writable). Leave it with `hp_scope_exit`.
//
// # Safety
// `out_scope` is null or writable.
hp_status_t hp_scope_enter(uint64_t *out_scope);

// Enters a new scope holding the `count` overrides of `items` (borrowed for the call; a
// later item for the same key wins) and writes its id to `*out_scope`. Costs
// O(count). On any bad item nothing is entered.
//
// # Safety
// `items` points to `count` readable items whose pointers follow the crate conventions (or
// is null with `count == 0`); `out_scope` is null or writable.
hp_status_t hp_scope_enter_with(const struct hp_item_t *items, size_t count, uint64_t *out_scope);

// Writes one override into scope `scope`, which must be this thread's innermost active
// scope (`HP_SCOPE_ORDER` otherwise: the value would be invisible or
// surprising). `item` is borrowed for the call.
//
// # Safety
// `item` is null or points to a readable item whose pointers follow the crate conventions.
hp_status_t hp_scope_put(uint64_t scope, const struct hp_item_t *item);

// Leaves scope `scope`, restoring exactly the view before it was entered. It must be the
// innermost active scope of this thread (`HP_SCOPE_ORDER` otherwise, and nothing
// changes).
//
// # Safety
// Takes no pointer; always safe to call.
hp_status_t hp_scope_exit(uint64_t scope);

// Makes this thread's current view the snapshot that threads started from now on begin
// with (`frozen()` of the other languages).
//
// # Safety
// Takes no pointer; always safe to call.
hp_status_t hp_frozen(void);

// This thread's last error message: NUL-terminated UTF-8 owned by the library, valid
// until the next failing call on this thread. Meaningful right after a call returned
// a status other than `HP_OK` and `HP_MISSING`; empty if no call has failed yet.
//
// # Safety
// Takes no pointer; always safe to call.
const char *hp_last_error_message(void);

// The name of a status (`"HP_CONVERSION"`), a static NUL-terminated string;
// `"HP_UNKNOWN_STATUS"` for a number that is not a status.
//
// # Safety
// Takes no pointer; always safe to call.
const char *hp_status_name(int32_t status);

// Writes a present null for `key` into this thread's innermost scope (or its root
// layer when no scope is active). `key` is borrowed for the call.
//
// # Safety
// `key` points to `key_len` readable bytes (or is null with `key_len == 0`).
hp_status_t hp_put_null(uint64_t hash, const char *key, size_t key_len);

// Writes a bool; otherwise as `hp_put_null`.
//
// # Safety
// As `hp_put_null`.
hp_status_t hp_put_bool(uint64_t hash, const char *key, size_t key_len, bool value);

// Writes a 64-bit integer; otherwise as `hp_put_null`.
//
// # Safety
// As `hp_put_null`.
hp_status_t hp_put_i64(uint64_t hash, const char *key, size_t key_len, int64_t value);

// Writes a 64-bit float; otherwise as `hp_put_null`.
//
// # Safety
// As `hp_put_null`.
hp_status_t hp_put_f64(uint64_t hash, const char *key, size_t key_len, double value);

// Writes UTF-8 text (`value`, `value_len` bytes, borrowed for the call and copied);
// otherwise as `hp_put_null`.
//
// # Safety
// As `hp_put_null`; `value` points to `value_len` readable bytes (or is null with
// `value_len == 0`).
hp_status_t hp_put_str(uint64_t hash,
                       const char *key,
                       size_t key_len,
                       const char *value,
                       size_t value_len);

// Writes one override (`item`, borrowed for the call) into this thread's innermost
// active scope (or its root layer), recording `item.file:item.line` as its source.
//
// # Safety
// `item` is null or points to a readable item whose pointers follow the crate conventions.
hp_status_t hp_put(const struct hp_item_t *item);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus
/* END GENERATED C ABI */


#if defined(__cplusplus) && (__cplusplus >= 201703L || (defined(_MSVC_LANG) && _MSVC_LANG >= 201703L))

#include <cstdio>
#include <exception>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#if defined(__GNUC__) || defined(__clang__)
#define HP_DETAIL_COLD __attribute__((cold, noinline))
/* The call site of put(), recorded as the source of the value written. */
#define HP_DETAIL_CALLER_FILE __builtin_FILE()
#define HP_DETAIL_CALLER_LINE __builtin_LINE()
#else
#define HP_DETAIL_COLD
#define HP_DETAIL_CALLER_FILE nullptr
#define HP_DETAIL_CALLER_LINE 0
#endif

namespace hyperparameter {

/* A failed read or write: the message names the key, the value, its source and the target
 * type; status() is the C status (HP_CONVERSION, HP_NULL_VALUE, ...). */
class Error : public std::runtime_error {
 public:
  Error(hp_status_t status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  hp_status_t status() const noexcept { return status_; }

 private:
  hp_status_t status_;
};

namespace detail {

constexpr std::uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

constexpr std::uint64_t rotl(std::uint64_t x, int bits) { return (x << bits) | (x >> (64 - bits)); }

/* Little-endian load of `count` bytes, byte by byte so it works in constant expressions. */
constexpr std::uint64_t load_le(const char *bytes, std::size_t count) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  return value;
}

constexpr std::uint64_t mix_lane(std::uint64_t acc, std::uint64_t lane) {
  return rotl(acc + lane * kPrime2, 31) * kPrime1;
}

constexpr std::uint64_t merge_round(std::uint64_t acc, std::uint64_t lane_acc) {
  return (acc ^ mix_lane(0, lane_acc)) * kPrime1 + kPrime4;
}

}  // namespace detail

/* XXH64 of `bytes` with `seed`; usable at compile time. */
constexpr std::uint64_t xxh64(std::string_view bytes, std::uint64_t seed) {
  using namespace detail;
  const char *p = bytes.data();
  const std::size_t len = bytes.size();
  std::size_t at = 0;
  std::uint64_t hash = 0;
  if (len >= 32) {
    std::uint64_t v1 = seed + kPrime1 + kPrime2;
    std::uint64_t v2 = seed + kPrime2;
    std::uint64_t v3 = seed;
    std::uint64_t v4 = seed - kPrime1;
    for (; at + 32 <= len; at += 32) {
      v1 = mix_lane(v1, load_le(p + at, 8));
      v2 = mix_lane(v2, load_le(p + at + 8, 8));
      v3 = mix_lane(v3, load_le(p + at + 16, 8));
      v4 = mix_lane(v4, load_le(p + at + 24, 8));
    }
    hash = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    hash = merge_round(hash, v1);
    hash = merge_round(hash, v2);
    hash = merge_round(hash, v3);
    hash = merge_round(hash, v4);
  } else {
    hash = seed + kPrime5;
  }
  hash += static_cast<std::uint64_t>(len);
  for (; at + 8 <= len; at += 8) {
    hash ^= mix_lane(0, load_le(p + at, 8));
    hash = rotl(hash, 27) * kPrime1 + kPrime4;
  }
  if (at + 4 <= len) {
    hash ^= load_le(p + at, 4) * kPrime1;
    hash = rotl(hash, 23) * kPrime2 + kPrime3;
    at += 4;
  }
  for (; at < len; ++at) {
    hash ^= static_cast<std::uint64_t>(static_cast<unsigned char>(p[at])) * kPrime5;
    hash = rotl(hash, 11) * kPrime1;
  }
  hash ^= hash >> 33;
  hash *= kPrime2;
  hash ^= hash >> 29;
  hash *= kPrime3;
  hash ^= hash >> 32;
  return hash;
}

/* The seed every language hashes keys with. */
constexpr std::uint64_t kKeyHashSeed = 42;

/* The hash a key is stored under: xxh64(utf8(key), 42). */
constexpr std::uint64_t key_hash(std::string_view key) { return xxh64(key, kKeyHashSeed); }

namespace detail {

enum class KeyProblem { none, empty, empty_segment, whitespace_or_control, reserved_character };

constexpr KeyProblem classify_key(std::string_view key) {
  if (key.empty()) return KeyProblem::empty;
  bool segment_empty = true;
  for (char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '.') {
      if (segment_empty) return KeyProblem::empty_segment;
      segment_empty = true;
      continue;
    }
    segment_empty = false;
    if (byte <= 0x20 || byte == 0x7f) return KeyProblem::whitespace_or_control;
    if (c == '=' || c == '$' || c == '{' || c == '}') return KeyProblem::reserved_character;
  }
  return segment_empty ? KeyProblem::empty_segment : KeyProblem::none;
}

}  // namespace detail

/* Why `key` breaks the key rules, or nullptr. Checks the ASCII rules (empty segments,
 * whitespace, control characters, '=', '$', '{', '}'); the library checks the rest. */
constexpr const char *key_problem(std::string_view key) {
  switch (detail::classify_key(key)) {
    case detail::KeyProblem::empty: return "the key is empty";
    case detail::KeyProblem::empty_segment:
      return "empty segment (two dots in a row, or a leading/trailing dot)";
    case detail::KeyProblem::whitespace_or_control:
      return "a segment contains whitespace or a control character";
    case detail::KeyProblem::reserved_character:
      return "a segment contains '=', '$', '{' or '}'";
    default: return nullptr;
  }
}

/* Called only when a literal key breaks the rules. They are not constexpr, so the compiler
 * stops at the macro that wrote the key and names the function, that is the reason. */
namespace invalid_literal_key {
[[noreturn]] inline void is_empty() { throw std::invalid_argument("empty key"); }
[[noreturn]] inline void has_an_empty_segment() { throw std::invalid_argument("empty segment"); }
[[noreturn]] inline void has_whitespace_or_a_control_character() {
  throw std::invalid_argument("whitespace");
}
[[noreturn]] inline void has_one_of_the_reserved_characters_eq_dollar_braces() {
  throw std::invalid_argument("reserved character");
}
}  // namespace invalid_literal_key

namespace detail {

/* The hash of a literal key, checked: used only in constant expressions by the macros, where a
 * bad key is a compile error naming the key and the reason. */
constexpr std::uint64_t checked_key_hash(std::string_view key) {
  switch (classify_key(key)) {
    case KeyProblem::empty: invalid_literal_key::is_empty(); break;
    case KeyProblem::empty_segment: invalid_literal_key::has_an_empty_segment(); break;
    case KeyProblem::whitespace_or_control:
      invalid_literal_key::has_whitespace_or_a_control_character();
      break;
    case KeyProblem::reserved_character:
      invalid_literal_key::has_one_of_the_reserved_characters_eq_dollar_braces();
      break;
    default: break;
  }
  return key_hash(key);
}

template <class T>
constexpr bool is_text_v = std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view> ||
                           std::is_same_v<T, const char *> || std::is_same_v<T, char *>;

template <class T>
constexpr bool is_integer_v = std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                              !std::is_same_v<T, char> && !std::is_same_v<T, wchar_t> &&
                              !std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t>;

template <class T>
struct dependent_false : std::false_type {};

}  // namespace detail

/* What a read with a default of type D returns: D itself, or std::string for text defaults. */
template <class D>
using result_t = std::conditional_t<detail::is_text_v<std::decay_t<D>>, std::string, std::decay_t<D>>;

namespace detail {

[[noreturn]] HP_DETAIL_COLD inline void throw_status(hp_status_t status) {
  const char *message = hp_last_error_message();
  std::string text = (message != nullptr && *message != '\0')
                         ? std::string(message)
                         : std::string("hyperparameter: ") + hp_status_name(status);
  throw Error(status, text);
}

[[noreturn]] HP_DETAIL_COLD inline void throw_out_of_range(const char *key, std::size_t key_len,
                                                            std::int64_t value, const char *type) {
  throw Error(HP_CONVERSION, "cannot convert parameter `" + std::string(key, key_len) + "` = " +
                                 std::to_string(value) + " to " + type + ": out of range");
}

[[noreturn]] HP_DETAIL_COLD inline void throw_value_out_of_range(const char *key, std::size_t key_len) {
  throw Error(HP_INVALID_ARGUMENT, "cannot store parameter `" + std::string(key, key_len) +
                                       "`: the value does not fit a 64-bit signed integer");
}

inline std::size_t text_length(const char *text) {
  return text == nullptr ? 0 : std::char_traits<char>::length(text);
}

inline void check(hp_status_t status) {
  if (status != HP_OK) throw_status(status);
}

template <class T>
constexpr const char *integer_name() {
  if constexpr (std::is_same_v<T, int>) return "int";
  else if constexpr (std::is_same_v<T, long>) return "long";
  else if constexpr (std::is_same_v<T, long long>) return "long long";
  else if constexpr (std::is_same_v<T, unsigned>) return "unsigned int";
  else if constexpr (std::is_same_v<T, unsigned long>) return "unsigned long";
  else if constexpr (std::is_same_v<T, unsigned long long>) return "unsigned long long";
  else if constexpr (std::is_same_v<T, short>) return "short";
  else if constexpr (std::is_same_v<T, unsigned short>) return "unsigned short";
  else return "a narrow integer type";
}

template <class T>
inline T narrow_integer(std::int64_t value, const char *key, std::size_t key_len) {
  if constexpr (std::is_signed_v<T>) {
    if (value < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
        value > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
      throw_out_of_range(key, key_len, value, integer_name<T>());
    }
  } else {
    if (value < 0 || static_cast<std::uint64_t>(value) > std::numeric_limits<T>::max()) {
      throw_out_of_range(key, key_len, value, integer_name<T>());
    }
  }
  return static_cast<T>(value);
}

/* Whether a read checks its key: literal keys were checked by the compiler; a run-time key
 * found in the store is valid, so only an absent one needs the library's full check (an
 * invalid key is an error, not a silent default). */
enum class KeyCheck { compile_time, when_absent };

template <KeyCheck Check>
inline void check_absent_key(const char *key, std::size_t key_len) {
  if constexpr (Check == KeyCheck::when_absent) {
    std::uint64_t hash = 0;
    check(hp_key_hash(key, key_len, &hash));
  }
}

/* Reads text without a heap allocation beyond the returned string's own. */
template <KeyCheck Check, class D>
inline std::string read_text(std::uint64_t hash, const char *key, std::size_t key_len, const D &fallback) {
  char buffer[128];
  std::size_t len = 0;
  hp_status_t status = hp_get_str(hash, key, key_len, buffer, sizeof buffer, &len);
  if (status == HP_OK) return std::string(buffer, len);
  if (status == HP_MISSING) {
    check_absent_key<Check>(key, key_len);
    std::string text;
    if constexpr (std::is_pointer_v<D>) {
      text = fallback == nullptr ? std::string() : std::string(fallback);
    } else {
      text = std::string(fallback);
    }
    check(hp_report_note_default_str(hash, key, key_len, text.data(), text.size()));
    return text;
  }
  if (status == HP_BUFFER_TOO_SMALL) {
    std::string text(len + 1, '\0');
    status = hp_get_str(hash, key, key_len, &text[0], text.size(), &len);
    if (status == HP_OK) {
      text.resize(len);
      return text;
    }
  }
  throw_status(status);
}

/* A read of the current view converted to the default's type; the default when absent. */
template <KeyCheck Check, class D>
inline result_t<D> read(std::uint64_t hash, const char *key, std::size_t key_len, const D &fallback) {
  using T = std::decay_t<D>;
  if constexpr (std::is_same_v<T, bool>) {
    bool value = fallback;
    const hp_status_t status = hp_get_bool(hash, key, key_len, fallback, &value);
    if (status == HP_OK) return value;
    if (status == HP_MISSING) {
      check_absent_key<Check>(key, key_len);
      return fallback;
    }
    throw_status(status);
  } else if constexpr (is_integer_v<T>) {
    std::int64_t value = 0;
    // The default goes to the library only for the operative config; an unsigned one beyond
    // the int64 range is recorded as that maximum.
    std::int64_t passed = INT64_MAX;
    if constexpr (std::is_signed_v<T> || sizeof(T) < sizeof(std::int64_t)) {
      passed = static_cast<std::int64_t>(fallback);
    } else if (fallback <= static_cast<T>(INT64_MAX)) {
      passed = static_cast<std::int64_t>(fallback);
    }
    const hp_status_t status = hp_get_i64(hash, key, key_len, passed, &value);
    if (status == HP_OK) return narrow_integer<T>(value, key, key_len);
    if (status == HP_MISSING) {
      check_absent_key<Check>(key, key_len);
      return fallback;
    }
    throw_status(status);
  } else if constexpr (std::is_floating_point_v<T>) {
    double value = 0;
    const hp_status_t status =
        hp_get_f64(hash, key, key_len, static_cast<double>(fallback), &value);
    if (status == HP_OK) return static_cast<T>(value);
    if (status == HP_MISSING) {
      check_absent_key<Check>(key, key_len);
      return fallback;
    }
    throw_status(status);
  } else if constexpr (is_text_v<T>) {
    return read_text<Check>(hash, key, key_len, fallback);
  } else {
    static_assert(dependent_false<T>::value,
                  "hyperparameter: defaults must be bool, an integer, a floating-point number, "
                  "std::string, std::string_view or const char*");
  }
}

/* An hp_item_t for `key = value` written at `file:line`; text values and the file name are
 * borrowed until the call that uses the item. */
template <class V>
inline hp_item_t make_item(std::uint64_t hash, const char *key, std::size_t key_len, const V &value,
                           const char *file, std::size_t file_len, unsigned line) {
  using T = std::decay_t<V>;
  hp_item_t item{};
  item.hash = hash;
  item.key = key;
  item.key_len = key_len;
  item.file = file;
  item.file_len = file_len;
  item.line = line;
  if constexpr (std::is_same_v<T, std::nullptr_t>) {
    item.kind = HP_KIND_NULL;
  } else if constexpr (std::is_same_v<T, bool>) {
    item.kind = HP_KIND_BOOL;
    item.int_value = value ? 1 : 0;
  } else if constexpr (is_integer_v<T>) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        throw_value_out_of_range(key, key_len);
      }
    }
    item.kind = HP_KIND_INT;
    item.int_value = static_cast<std::int64_t>(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    item.kind = HP_KIND_FLOAT;
    item.float_value = static_cast<double>(value);
  } else if constexpr (is_text_v<T>) {
    std::string_view text;
    if constexpr (std::is_array_v<V>) {
      text = std::string_view(value);
    } else if constexpr (std::is_pointer_v<T>) {
      if (value != nullptr) text = value;
    } else {
      text = value;
    }
    item.kind = HP_KIND_STR;
    item.str_value = text.data();
    item.str_len = text.size();
  } else {
    static_assert(dependent_false<T>::value,
                  "hyperparameter: values must be bool, an integer, a floating-point number, "
                  "std::string, std::string_view, const char* or nullptr");
  }
  return item;
}

}  // namespace detail

/* Reads `key` (known at run time) from the current thread's view, converted to the default's
 * type; the default when the key is absent. Throws Error on a value that does not convert
 * (or is null) and on an invalid key. Text defaults return std::string. */
template <class D>
inline result_t<D> get(std::string_view key, const D &default_value) {
  return detail::read<detail::KeyCheck::when_absent>(key_hash(key), key.data(), key.size(),
                                                     default_value);
}

/* Writes `key = value` into this thread's innermost active scope (its root layer when none is
 * active). `value`: bool, an integer, a floating-point number, text, or nullptr (a null). The
 * caller's file and line are recorded as the value's source. */
template <class V>
inline void put(std::string_view key, const V &value, const char *file = HP_DETAIL_CALLER_FILE,
                unsigned line = HP_DETAIL_CALLER_LINE) {
  const hp_item_t item = detail::make_item(key_hash(key), key.data(), key.size(), value, file,
                                           detail::text_length(file), line);
  detail::check(hp_put(&item));
}

/* Makes this thread's current view the snapshot that threads started from now on begin with. */
inline void frozen() { detail::check(hp_frozen()); }

/* Writes the operative config (every key read so far in the process, by any language, with
 * the value the first read returned) to `path`, TOML, YAML or JSON by its extension, sources
 * as comments. Throws Error when the file cannot be written or a value has no form there. */
inline void save_report(std::string_view path) {
  detail::check(hp_report_save(path.data(), path.size()));
}

/* An active scope on this thread: entered when constructed, left when destroyed (also during
 * exception unwinding), restoring exactly the view before it. Move-only; must be destroyed on
 * the thread that made it, in reverse order of construction. `put` writes into this scope
 * (which must be the innermost active one), `get` reads the thread's current view. */
class [[nodiscard]] Scope {
 public:
  /* Enters an empty scope layered on the current view. */
  Scope() { detail::check(hp_scope_enter(&id_)); }

  /* Enters a scope holding `count` overrides at once (what WITH_PARAMS does). */
  Scope(const hp_item_t *items, std::size_t count) {
    detail::check(hp_scope_enter_with(items, count, &id_));
  }

  Scope(Scope &&other) noexcept : id_(other.id_), active_(std::exchange(other.active_, false)) {}
  Scope(const Scope &) = delete;
  Scope &operator=(const Scope &) = delete;
  Scope &operator=(Scope &&) = delete;

  /* Leaves the scope. Leaving out of order means the program broke the nesting of its scopes;
   * a destructor cannot throw, so that is reported on stderr and ends the program (call
   * exit() to get an Error instead). */
  ~Scope() {
    if (!active_) return;
    const hp_status_t status = hp_scope_exit(id_);
    if (status != HP_OK) {
      std::fprintf(stderr, "hyperparameter: %s\n", hp_last_error_message());
      std::terminate();
    }
  }

  /* Leaves the scope now; throws Error (status HP_SCOPE_ORDER) if it is not the innermost. */
  void exit() {
    if (!active_) return;
    detail::check(hp_scope_exit(id_));
    active_ = false;
  }

  /* Writes `key = value` into this scope; throws Error if another scope is active inside it.
   * The caller's file and line are recorded as the value's source. */
  template <class V>
  Scope &put(std::string_view key, const V &value, const char *file = HP_DETAIL_CALLER_FILE,
             unsigned line = HP_DETAIL_CALLER_LINE) {
    const hp_item_t item = detail::make_item(key_hash(key), key.data(), key.size(), value, file,
                                             detail::text_length(file), line);
    detail::check(hp_scope_put(id_, &item));
    return *this;
  }

  /* Reads `key` from the thread's current view, as hyperparameter::get. */
  template <class D>
  result_t<D> get(std::string_view key, const D &default_value) const {
    return hyperparameter::get(key, default_value);
  }

  /* The library's id of this scope. */
  std::uint64_t id() const noexcept { return id_; }

  /* Whether the scope is still active (not moved from, not exited). */
  bool active() const noexcept { return active_; }

 private:
  std::uint64_t id_ = 0;
  bool active_ = true;
};

namespace detail {

/* The items are built in place in the list's array (no copies): WITH_PARAMS passes them as
 * a braced list of prvalues. */
inline Scope enter_with(std::initializer_list<hp_item_t> items) {
  return Scope(items.begin(), items.size());
}

}  // namespace detail
}  // namespace hyperparameter

/* The compile-time hash of a literal key written as tokens (a.b.c); a key that breaks the
 * rules is a compile error. */
#define HP_LITERAL_KEY_HASH(key) \
  (::std::integral_constant<::std::uint64_t, ::hyperparameter::detail::checked_key_hash(#key)>::value)

/* GET_PARAM(a.b, default): reads `a.b` converted to the default's type (bool, integers,
 * floating point; text defaults give std::string), the default when absent. The key is
 * checked and hashed at compile time; reading a bool, integer or float never allocates.
 * Throws hyperparameter::Error naming the key when the value does not convert. */
#define GET_PARAM(key, default_value) \
  (::hyperparameter::detail::read<::hyperparameter::detail::KeyCheck::compile_time>( \
      HP_LITERAL_KEY_HASH(key), #key, sizeof(#key) - 1, (default_value)))

#define HP_DETAIL_EXPAND(x) x
#define HP_DETAIL_CAT(a, b) HP_DETAIL_CAT_I(a, b)
#define HP_DETAIL_CAT_I(a, b) a##b
#define HP_DETAIL_ITEM(key, value)                                                          \
  ::hyperparameter::detail::make_item(HP_LITERAL_KEY_HASH(key), #key, sizeof(#key) - 1, value, \
                                      __FILE__, sizeof(__FILE__) - 1, __LINE__)
#define HP_DETAIL_COUNT(...) HP_DETAIL_EXPAND(HP_DETAIL_COUNT_I(__VA_ARGS__, 64, 63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0))
#define HP_DETAIL_COUNT_I(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, _33, _34, _35, _36, _37, _38, _39, _40, _41, _42, _43, _44, _45, _46, _47, _48, _49, _50, _51, _52, _53, _54, _55, _56, _57, _58, _59, _60, _61, _62, _63, _64, count, ...) count
#define HP_DETAIL_PAIRS_1(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_2(item, key, value) item(key, value)
#define HP_DETAIL_PAIRS_3(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_4(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_2(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_5(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_6(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_4(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_7(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_8(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_6(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_9(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_10(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_8(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_11(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_12(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_10(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_13(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_14(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_12(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_15(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_16(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_14(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_17(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_18(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_16(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_19(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_20(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_18(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_21(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_22(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_20(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_23(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_24(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_22(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_25(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_26(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_24(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_27(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_28(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_26(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_29(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_30(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_28(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_31(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_32(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_30(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_33(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_34(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_32(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_35(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_36(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_34(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_37(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_38(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_36(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_39(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_40(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_38(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_41(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_42(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_40(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_43(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_44(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_42(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_45(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_46(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_44(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_47(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_48(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_46(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_49(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_50(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_48(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_51(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_52(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_50(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_53(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_54(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_52(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_55(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_56(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_54(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_57(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_58(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_56(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_59(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_60(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_58(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_61(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_62(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_60(item, __VA_ARGS__))
#define HP_DETAIL_PAIRS_63(item, ...) HP_WITH_PARAMS_needs_key_value_pairs
#define HP_DETAIL_PAIRS_64(item, key, value, ...) item(key, value), HP_DETAIL_EXPAND(HP_DETAIL_PAIRS_62(item, __VA_ARGS__))

/* auto guard = WITH_PARAMS(a.b, 1, c, "x", ...): enters a scope holding these overrides (up to
 * 32 pairs; keys are checked and hashed at compile time) until `guard` is destroyed. The
 * result is [[nodiscard]]: a bare `WITH_PARAMS(...);` would leave the scope at once. Key
 * tokens pass through macro expansion here, so a key segment must not be a macro name. */
#define WITH_PARAMS(...)                                                                           \
  ::hyperparameter::detail::enter_with({HP_DETAIL_EXPAND(HP_DETAIL_CAT(                             \
      HP_DETAIL_PAIRS_, HP_DETAIL_COUNT(__VA_ARGS__))(HP_DETAIL_ITEM, __VA_ARGS__))})

#endif /* C++17 */

#endif /* HYPERPARAMETER_H */
