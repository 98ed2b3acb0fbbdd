# embed_file.cmake — writes OUT, a C file holding the text of IN as
# `const char NAME[]` (NUL-terminated).
#   cmake -DIN=<file> -DOUT=<file.c> -DNAME=<identifier> -P embed_file.cmake
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
file(WRITE "${OUT}.tmp"
"/* Generated from ${IN} by cli/embed_file.cmake. Do not edit. */
const char ${NAME}[] = {${hex}0x00};
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
