// The counting replacement of the global operator new / delete (counting_allocator.hpp).
#include "support/counting_allocator.hpp"

#include <cstddef>
#include <cstdlib>
#include <new>

namespace resonant::test {

std::atomic<long> allocations{0};
std::atomic<long> frees{0};

namespace {
thread_local bool watching = false;
}  // namespace

void set_watching(bool on) noexcept {
  watching = on;
}

}  // namespace resonant::test

namespace {

void* counted_alloc(std::size_t n, std::size_t align = 0) {
  if (resonant::test::watching) resonant::test::allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align > alignof(std::max_align_t)
                ? std::aligned_alloc(align, (n + align - 1) / align * align)
                : std::malloc(n);
  return p;
}

// The replacement operator new below takes its memory from malloc, so free is the matching
// release; GCC (with -fsanitize=thread) cannot see that and warns -Wmismatched-new-delete.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void counted_free(void* p) noexcept {
  if (p != nullptr && resonant::test::watching)
    resonant::test::frees.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}
#pragma GCC diagnostic pop

}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return counted_alloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return counted_alloc(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = counted_alloc(n, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = counted_alloc(n, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  counted_free(p);
}
void operator delete[](void* p) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  counted_free(p);
}
