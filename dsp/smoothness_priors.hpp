#pragma once

#include <span>
#include <vector>

namespace resonant::dsp {

// Smoothness-priors detrending (Tarvainen, Ranta-aho & Karjalainen 2002, IEEE TBME 49:172):
// the trend is (I + lambda^2 D2' D2)^-1 z with D2 the second-difference operator; the
// function returns z minus that trend. lambda = 500 on a 4 Hz tachogram behaves like a
// time-varying high-pass with a cut-off near 0.035 Hz (Kubios' default). Solved with an Eigen
// sparse Cholesky (the matrix is pentadiagonal), O(n). Series shorter than 3 samples are
// returned with their mean removed.
std::vector<double> smoothness_priors_detrend(std::span<const double> z, double lambda);

}  // namespace resonant::dsp
