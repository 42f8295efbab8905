// tests/progs/cxx_names.cpp: C++ functions whose names must come out demangled.
//
// Behaviour: main calls shapes::Square::area(int) twice and the template
// shapes::scale<double>(double) once. Prints the sum; exit 0.
// Expected profile: "shapes::Square::area(int) const" 2 calls,
// "double shapes::scale<double>(double)" 1 call (names as __cxa_demangle prints them).
//
// Built with g++ -O1 -fno-inline -finstrument-functions.
#include <cstdio>

namespace shapes {
struct Square {
    int side;
    __attribute__((noinline)) int area(int k) const { return side * side * k; }
};

template <typename T> __attribute__((noinline)) T scale(T v) { return v * 2; }
} // namespace shapes

int main()
{
    shapes::Square s{3};
    int a = s.area(1) + s.area(2);
    double d = shapes::scale<double>(1.5);
    std::printf("%d %.1f\n", a, d);
    return 0;
}
