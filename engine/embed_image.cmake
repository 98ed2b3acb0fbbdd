# embed_image.cmake — writes OUT, a C file holding the binary image IMAGE.
#   cmake -DIMAGE=<rules.img> -DOUT=<file.c> -P embed_image.cmake
file(READ "${IMAGE}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
file(WRITE "${OUT}.tmp"
"/* Generated from the rule sources by rulec and engine/embed_image.cmake. */
#include \"engine/rules_image.h\"

const unsigned char rules_image[] = {${hex}0x00};
const size_t rules_image_len = ${len};
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
