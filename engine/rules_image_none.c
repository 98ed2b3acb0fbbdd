/* No image: rulec parses the embedded rule sources (see rules_image.h). */
#include "engine/rules_image.h"

const unsigned char rules_image[] = { 0 };
const size_t rules_image_len = 0;
