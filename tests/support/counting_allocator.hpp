#pragma once

// Real-time safety tests: counting_allocator.cpp replaces the global operator new / delete with
// versions that count the calls made while the current thread is inside a `watched` scope.
// Link counting_allocator.cpp into an executable of its own (the replacement is global).

#include <atomic>

namespace resonant::test {

extern std::atomic<long> allocations;  // operator new calls inside watched scopes
extern std::atomic<long> frees;        // operator delete calls (non-null) inside watched scopes
// Turns counting on or off for the calling thread. (A function, not an extern thread_local:
// GCC 12's UBSan sees a null address for an extern thread_local bool defined in another
// translation unit.)
void set_watching(bool on) noexcept;

// Counts this thread's allocations and frees within the scope.
struct watched {
  watched() { set_watching(true); }
  ~watched() { set_watching(false); }
  watched(const watched&) = delete;
  watched& operator=(const watched&) = delete;
};

inline void reset_allocation_counts() {
  allocations = 0;
  frees = 0;
}

}  // namespace resonant::test
