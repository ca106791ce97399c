// Supplies std::ios_base_library_init(), which GCC 13's libstdc++ exports (GLIBCXX_3.4.32) and GCC 12's does not.
// GCC 13 emits a call to it so that the standard streams are initialised before use; constructing a static
// std::ios_base::Init does the same on older libstdc++. Loaded only where the system libstdc++ lacks the symbol.
#include <ios>

namespace std {
void ios_base_library_init() {
  static ios_base::Init init;
}
}  // namespace std
