/* The header's C part is plain C: this unit is compiled as C11 and linked into a C program. */
#include "hyperparameter.h"
#include "hyperparameter.h"

#include <stdio.h>
#include <string.h>

int main(void) {
  const char *key = "c.answer";
  uint64_t hash = 0;
  uint64_t scope = 0;
  int64_t value = 0;
  char text[8];
  size_t len = 0;
  int failures = 0;
  if (hp_key_hash(key, strlen(key), &hash) != HP_OK) failures++;
  if (hp_scope_enter(&scope) != HP_OK) failures++;
  if (hp_put_i64(hash, key, strlen(key), 42) != HP_OK) failures++;
  if (hp_get_i64(hash, key, strlen(key), 0, &value) != HP_OK || value != 42) failures++;
  if (hp_get_str(hash, key, strlen(key), text, sizeof text, &len) != HP_OK || strcmp(text, "42") != 0) failures++;
  /* Reads do not validate the key: bytes that are not UTF-8, under the hash of a stored key,
     match no stored key and read as absent. */
  if (hp_get_i64(hash, "c.\xff\xfe\xfd\xfc\xfb\xfa", 8, 5, &value) != HP_MISSING || value != 5) failures++;
  if (hp_scope_exit(scope) != HP_OK) failures++;
  if (hp_get_i64(hash, key, strlen(key), 7, &value) != HP_MISSING || value != 7) failures++;
  if (hp_scope_exit(scope) != HP_SCOPE_ORDER) failures++;
  if (strstr(hp_last_error_message(), "scope") == NULL) failures++;
  if (failures != 0) {
    fprintf(stderr, "C test: %d failure(s)\n", failures);
    return 1;
  }
  printf("C test passed\n");
  return 0;
}
