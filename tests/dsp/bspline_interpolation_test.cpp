#include "dsp/bspline_interpolation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace resonant::dsp {
namespace {

// Uneven, strictly increasing sites (RR-like spacing between 0.6 and 1.1 s).
std::vector<double> uneven_sites(int n) {
  std::vector<double> x;
  double t = 0.3;
  for (int i = 0; i < n; ++i) {
    t += 0.6 + 0.5 * std::fabs(std::sin(1.7 * i));
    x.push_back(t);
  }
  return x;
}

double poly(const std::vector<double>& c, double x) {
  double v = 0.0;
  for (auto it = c.rbegin(); it != c.rend(); ++it) v = v * x + *it;
  return v;
}

TEST(InterpolatingSpline, ReproducesPolynomialsUpToItsDegree) {
  const std::vector<double> x = uneven_sites(30);
  const std::vector<std::vector<double>> polys = {
      {5.0}, {2.0, -0.7}, {1.0, 0.5, -0.03}, {-3.0, 0.2, 0.01, -0.002}};
  for (int degree = 1; degree <= 3; ++degree) {
    for (int p = 0; p <= degree; ++p) {
      std::vector<double> y;
      for (const double xi : x) y.push_back(poly(polys[p], xi));
      const interpolating_spline s(x, y, degree);
      std::vector<double> sampled(2000);
      const double fs = 100.0;
      s.sample_uniform(x.front(), fs, sampled);
      for (std::size_t i = 0; i < sampled.size(); ++i) {
        const double xi = x.front() + static_cast<double>(i) / fs;
        if (xi > x.back()) break;
        const double truth = poly(polys[p], xi);
        EXPECT_NEAR(s(xi), truth, 1e-10 * (1.0 + std::fabs(truth))) << degree << " " << p;
        EXPECT_NEAR(sampled[i], truth, 1e-10 * (1.0 + std::fabs(truth))) << degree << " " << p;
      }
    }
  }
}

TEST(InterpolatingSpline, PassesThroughTheData) {
  const std::vector<double> x = uneven_sites(25);
  std::vector<double> y;
  for (std::size_t i = 0; i < x.size(); ++i)
    y.push_back(800.0 + 90.0 * std::sin(0.9 * static_cast<double>(i)));
  for (int degree = 1; degree <= 3; ++degree) {
    const interpolating_spline s(x, y, degree);
    EXPECT_EQ(s.degree(), degree);
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(s(x[i]), y[i], 1e-10);
  }
}

// Left and right one-sided difference quotients of the first (and for the cubic the second)
// derivative agree at the interior knots, i.e. the spline is C^(k-1) there; a jump would show
// as an O(1) difference, continuity leaves O(h).
TEST(InterpolatingSpline, IsSmoothAtTheKnots) {
  const std::vector<double> x = uneven_sites(20);
  std::vector<double> y;
  for (std::size_t i = 0; i < x.size(); ++i)
    y.push_back(std::sin(1.3 * static_cast<double>(i)) + 0.1 * static_cast<double>(i));
  const double h = 1e-4;

  const interpolating_spline quad(x, y, 2);
  for (std::size_t i = 1; i + 2 < x.size(); ++i) {
    const double t = 0.5 * (x[i] + x[i + 1]);  // SciPy's quadratic knots
    const double left = (quad(t) - quad(t - h)) / h;
    const double right = (quad(t + h) - quad(t)) / h;
    EXPECT_NEAR(left, right, 1e-2) << t;
  }

  const interpolating_spline cubic(x, y, 3);
  for (std::size_t i = 2; i + 2 < x.size(); ++i) {
    const double t = x[i];  // not-a-knot: the knots are x[2] .. x[n-3]
    const double d1l = (cubic(t) - cubic(t - h)) / h;
    const double d1r = (cubic(t + h) - cubic(t)) / h;
    EXPECT_NEAR(d1l, d1r, 1e-2) << t;
    const double g = 1e-3;
    const double d2l = (cubic(t) - 2.0 * cubic(t - g) + cubic(t - 2.0 * g)) / (g * g);
    const double d2r = (cubic(t + 2.0 * g) - 2.0 * cubic(t + g) + cubic(t)) / (g * g);
    EXPECT_NEAR(d2l, d2r, 0.1) << t;
  }
}

// Not-a-knot: x[1] and x[n-2] are not knots, so even the third derivative is continuous there.
TEST(InterpolatingSpline, CubicIsNotAKnotAtSecondAndPenultimateSite) {
  const std::vector<double> x = uneven_sites(12);
  std::vector<double> y;
  for (std::size_t i = 0; i < x.size(); ++i) y.push_back(std::cos(2.1 * static_cast<double>(i)));
  const interpolating_spline s(x, y, 3);
  const double g = 1e-2;
  for (const double t : {x[1], x[x.size() - 2]}) {
    const double d3l = (s(t) - 3.0 * s(t - g) + 3.0 * s(t - 2 * g) - s(t - 3 * g)) / (g * g * g);
    const double d3r = (s(t + 3 * g) - 3.0 * s(t + 2 * g) + 3.0 * s(t + g) - s(t)) / (g * g * g);
    EXPECT_NEAR(d3l, d3r, 1e-4 * (1.0 + std::fabs(d3l))) << t;
  }
}

// Golden values from SciPy 1.10.1:
//   python3 -c "import numpy as np; from scipy.interpolate import make_interp_spline as m;
//     x=np.array([0,1,2.5,3,4.5,6,7.]); y=np.array([1,3,2,5,4,0,2.]);
//     [print(repr(m(x,y,k=k)(np.array([0.5,1.7,3.3,5.2,6.9])))) for k in (2,3)]"
// Tolerance 1e-12 relative (both are double-precision solves of the same system).
TEST(InterpolatingSpline, MatchesScipyMakeInterpSpline) {
  const std::vector<double> x = {0, 1, 2.5, 3, 4.5, 6, 7};
  const std::vector<double> y = {1, 3, 2, 5, 4, 0, 2};
  const std::vector<double> at = {0.5, 1.7, 3.3, 5.2, 6.9};
  const std::vector<double> quadratic = {2.551701570680628, 1.7739005235602092, 6.035191972076787,
                                         1.675632150475082, 1.5948429319371742};
  const std::vector<double> cubic = {3.209481216457959, 1.3355477638640432, 6.060077280858676,
                                     1.5793173524150266, 1.5267177101967815};
  const interpolating_spline q(x, y, 2);
  const interpolating_spline c(x, y, 3);
  for (std::size_t i = 0; i < at.size(); ++i) {
    EXPECT_NEAR(q(at[i]), quadratic[i], 1e-12 * std::fabs(quadratic[i]));
    EXPECT_NEAR(c(at[i]), cubic[i], 1e-12 * std::fabs(cubic[i]));
  }
}

TEST(InterpolatingSpline, SampleUniformEqualsPointEvaluationIncludingClamping) {
  const std::vector<double> x = uneven_sites(40);
  std::vector<double> y;
  for (std::size_t i = 0; i < x.size(); ++i)
    y.push_back(900.0 + 60.0 * std::sin(0.7 * static_cast<double>(i)));
  for (int degree = 1; degree <= 3; ++degree) {
    const interpolating_spline s(x, y, degree);
    const double t0 = x.front() - 2.0;
    const double fs = 7.0;
    std::vector<double> out(static_cast<std::size_t>((x.back() - t0 + 3.0) * fs));
    s.sample_uniform(t0, fs, out);
    for (std::size_t i = 0; i < out.size(); ++i) {
      const double xi = t0 + static_cast<double>(i) / fs;
      EXPECT_NEAR(out[i], s(xi), 1e-9) << degree << " " << xi;
      if (xi < x.front()) {
        EXPECT_EQ(out[i], y.front());
      }
      if (xi > x.back()) {
        EXPECT_EQ(out[i], y.back());
      }
    }
  }
}

TEST(InterpolatingSpline, DegreeOneIsLinearInterpolation) {
  const std::vector<double> x = {0.0, 0.8, 1.9, 2.5};
  const std::vector<double> y = {1.0, -1.0, 4.0, 3.0};
  const interpolating_spline s(x, y, 1);
  EXPECT_NEAR(s(0.4), 0.0, 1e-14);
  EXPECT_NEAR(s(0.8 + 0.55), 1.5, 1e-14);
  EXPECT_NEAR(s(2.2), 3.5, 1e-14);
}

TEST(InterpolatingSpline, FewPointsLowerTheDegree) {
  const std::vector<double> x1 = {2.0};
  const std::vector<double> y1 = {7.0};
  const interpolating_spline one(x1, y1, 3);
  EXPECT_EQ(one(-5.0), 7.0);
  EXPECT_EQ(one(2.0), 7.0);
  EXPECT_EQ(one(9.0), 7.0);

  const std::vector<double> x2 = {1.0, 3.0};
  const std::vector<double> y2 = {2.0, 6.0};
  const interpolating_spline two(x2, y2, 3);
  EXPECT_EQ(two.degree(), 1);
  EXPECT_NEAR(two(2.5), 5.0, 1e-14);

  // Three points and degree 3: the quadratic through them.
  const std::vector<double> x3 = {0.0, 1.0, 3.0};
  const std::vector<double> y3 = {1.0, 2.0, 10.0};  // 1 + 0 x + x^2
  const interpolating_spline three(x3, y3, 3);
  EXPECT_EQ(three.degree(), 2);
  EXPECT_NEAR(three(2.0), 5.0, 1e-13);
}

// A spline refitted in place (storage from a capacity, sizes going up and down, degrees
// changing) is bit for bit the freshly constructed one, at the data sites and on a grid.
TEST(InterpolatingSpline, RefitEqualsFreshConstruction) {
  interpolating_spline reused(8);  // smaller than the first fits: grows once, then reuses
  EXPECT_EQ(reused(3.0), 0.0);     // unfitted: the constant 0
  std::vector<double> fresh_out(900);
  std::vector<double> reused_out(900);
  for (const int n : {250, 40, 1, 2, 3, 4, 5, 249, 7}) {
    const std::vector<double> all = uneven_sites(n + 3);
    const std::vector<double> x(all.begin() + 3, all.end());  // a shifted window of sites
    std::vector<double> y;
    for (std::size_t i = 0; i < x.size(); ++i)
      y.push_back(820.0 + 70.0 * std::sin(0.45 * x[i]) + 9.0 * std::cos(3.1 * x[i]));
    for (int degree = 1; degree <= 3; ++degree) {
      const interpolating_spline fresh(x, y, degree);
      reused.fit(x, y, degree);
      EXPECT_EQ(reused.degree(), fresh.degree());
      fresh.sample_uniform(x.front() - 0.3, 4.0, fresh_out);
      reused.sample_uniform(x.front() - 0.3, 4.0, reused_out);
      for (std::size_t i = 0; i < fresh_out.size(); ++i) {
        ASSERT_EQ(fresh_out[i], reused_out[i]) << n << " " << degree << " " << i;
      }
      for (const double xi : x) ASSERT_EQ(fresh(xi + 0.01), reused(xi + 0.01));
    }
  }
  // A rejected refit leaves the previous fit in place.
  const std::vector<double> repeated = {0.0, 1.0, 1.0};
  const double before = reused(3.3);
  EXPECT_THROW(reused.fit(repeated, repeated, 3), std::invalid_argument);
  EXPECT_EQ(reused(3.3), before);
}

TEST(InterpolatingSpline, RejectsBadInput) {
  const std::vector<double> x = {0.0, 1.0, 2.0};
  const std::vector<double> y = {0.0, 1.0, 2.0};
  const std::vector<double> short_y = {0.0, 1.0};
  const std::vector<double> repeated = {0.0, 1.0, 1.0};
  const std::vector<double> empty;
  EXPECT_THROW(interpolating_spline(x, short_y, 3), std::invalid_argument);
  EXPECT_THROW(interpolating_spline(empty, empty, 3), std::invalid_argument);
  EXPECT_THROW(interpolating_spline(repeated, y, 3), std::invalid_argument);
  EXPECT_THROW(interpolating_spline(x, y, 0), std::invalid_argument);
  EXPECT_THROW(interpolating_spline(x, y, 4), std::invalid_argument);
  const interpolating_spline s(x, y, 2);
  std::vector<double> out(4);
  EXPECT_THROW(s.sample_uniform(0.0, 0.0, out), std::invalid_argument);
}

}  // namespace
}  // namespace resonant::dsp
