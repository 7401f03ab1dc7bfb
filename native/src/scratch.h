// Reusable aligned scratch memory: a padded copy of a convolution's input, packed weights,
// partial sums. Reusing it avoids page-faulting fresh memory on every kernel call.
#pragma once
#include <cstddef>

namespace mammo {

/** Per-thread scratch slots. The pointer stays valid until the same slot is requested again on
 *  the same thread; the contents are undefined. Throws std::bad_alloc when it cannot be allocated. */
enum ScratchSlot { kScratchPad = 0, kScratchPack = 1, kScratchPartial = 2, kScratchTile = 3, kScratchSlots = 4 };

float* scratch(ScratchSlot slot, size_t floats);

}  // namespace mammo
