# embed_rules.cmake — writes OUT, a C file holding every rules/<name>.clp text.
#   cmake -DRULES_DIR=<dir> -DOUT=<file.c> -P embed_rules.cmake
# Order: schema.clp first, then name order (as engine_new loads a directory).
file(GLOB files RELATIVE "${RULES_DIR}" "${RULES_DIR}/*.clp")
list(SORT files)
list(REMOVE_ITEM files "schema.clp")
list(PREPEND files "schema.clp")

set(body "")
set(table "")
set(all "")
set(i 0)
foreach(name IN LISTS files)
  file(READ "${RULES_DIR}/${name}" text)
  string(APPEND all "${text}")
  file(READ "${RULES_DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND body "static const char src_${i}[] = {${hex}0x00};\n")
  string(APPEND table "\t{ \"${name}\", src_${i}, ${len} },\n")
  math(EXPR i "${i} + 1")
endforeach()
string(SHA256 digest "${all}")
file(WRITE "${OUT}.tmp"
"/* Generated from rules/<name>.clp by engine/embed_rules.cmake. Do not edit. */
#include \"engine/rules_source.h\"

${body}
const struct rules_source_file rules_source[] = {
${table}};
const size_t rules_source_count = ${i};
const char rules_source_sha256[] = \"${digest}\";
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
