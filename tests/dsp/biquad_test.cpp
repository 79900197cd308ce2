#include "dsp/biquad.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

namespace resonant::dsp {
namespace {

constexpr double rates_hz[] = {100.0, 250.0, 360.0, 1000.0};

butterworth_config make(filter_response r, int order, double fs, double lo, double hi) {
  butterworth_config c;
  c.response = r;
  c.order = order;
  c.sample_rate_hz = fs;
  c.low_hz = lo;
  c.high_hz = hi;
  return c;
}

// All configurations checked below: the ECG (5-15 Hz) and PPG (0.5-8 Hz) band-passes, the
// corners used for baseline removal and smoothing, every order from 1 to 6.
std::vector<butterworth_config> configs_for(double fs) {
  std::vector<butterworth_config> out;
  for (int order = 1; order <= 6; ++order) {
    out.push_back(make(filter_response::low_pass, order, fs, 0.0, 0.3 * fs));
    out.push_back(make(filter_response::low_pass, order, fs, 0.0, 8.0));
    out.push_back(make(filter_response::high_pass, order, fs, 0.5, 0.0));
    out.push_back(make(filter_response::high_pass, order, fs, 0.2 * fs, 0.0));
    out.push_back(make(filter_response::band_pass, order, fs, 5.0, 15.0));
    out.push_back(make(filter_response::band_pass, order, fs, 0.5, 8.0));
    out.push_back(make(filter_response::band_pass, order, fs, 0.1 * fs, 0.4 * fs));
  }
  return out;
}

TEST(Butterworth, MagnitudeMatchesAnalyticResponseAtEveryRate) {
  for (const double fs : rates_hz) {
    for (const butterworth_config& c : configs_for(fs)) {
      const std::vector<biquad_coefficients> sos = design_butterworth(c);
      const std::size_t expected_sections = c.response == filter_response::band_pass
                                                ? static_cast<std::size_t>(c.order)
                                                : static_cast<std::size_t>((c.order + 1) / 2);
      ASSERT_EQ(sos.size(), expected_sections);
      for (int i = 1; i < 200; ++i) {
        const double f = 0.5 * fs * i / 200.0;
        const double got = std::abs(frequency_response(sos, f, fs));
        const double want = butterworth_magnitude(c, f);
        EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, want) + 1e-12)
            << "fs " << fs << " order " << c.order << " f " << f;
      }
    }
  }
}

TEST(Butterworth, MinusThreeDecibelsAtTheCornersAfterPrewarping) {
  const double half_power_db = -10.0 * std::log10(2.0);
  for (const double fs : rates_hz) {
    for (const butterworth_config& c : configs_for(fs)) {
      const std::vector<biquad_coefficients> sos = design_butterworth(c);
      const auto db = [&](double f) {
        return 20.0 * std::log10(std::abs(frequency_response(sos, f, fs)));
      };
      if (c.response != filter_response::high_pass) {
        EXPECT_NEAR(db(c.high_hz), half_power_db, 1e-9);
      }
      if (c.response != filter_response::low_pass) {
        EXPECT_NEAR(db(c.low_hz), half_power_db, 1e-9);
      }
      // Unit gain in the pass band: DC, Nyquist, or the geometric centre of the warped band.
      if (c.response == filter_response::low_pass) {
        EXPECT_NEAR(db(0.0), 0.0, 1e-9);
      }
      if (c.response == filter_response::high_pass) {
        EXPECT_NEAR(db(0.5 * fs), 0.0, 1e-9);
      }
      if (c.response == filter_response::band_pass) {
        const double wl = std::tan(std::numbers::pi * c.low_hz / fs);
        const double wh = std::tan(std::numbers::pi * c.high_hz / fs);
        const double fc = fs / std::numbers::pi * std::atan(std::sqrt(wl * wh));
        EXPECT_NEAR(db(fc), 0.0, 1e-9);
      }
    }
  }
}

// The streaming cascade realises the designed response: a sine in steady state comes out with
// amplitude |H(f)| and the designed phase.
TEST(BiquadCascade, SteadyStateSineMatchesFrequencyResponse) {
  for (const double fs : rates_hz) {
    const butterworth_config c = make(filter_response::band_pass, 3, fs, 5.0, 15.0);
    const std::vector<biquad_coefficients> sos = design_butterworth(c);
    for (const double f : {2.0, 5.0, 9.0, 15.0, 30.0}) {
      biquad_cascade bq(sos);
      const std::size_t n = static_cast<std::size_t>(20.0 * fs);  // 20 s: transients gone
      const double w = 2.0 * std::numbers::pi * f / fs;
      const std::complex<double> h = frequency_response(sos, f, fs);
      double max_err = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double y = bq.process(std::sin(w * static_cast<double>(i)));
        if (i > n / 2) {
          const double want = std::abs(h) * std::sin(w * static_cast<double>(i) + std::arg(h));
          max_err = std::max(max_err, std::abs(y - want));
        }
      }
      EXPECT_LT(max_err, 1e-9) << "fs " << fs << " f " << f;
    }
  }
}

TEST(BiquadCascade, StableForExtremeCornersAndResetRestoresInitialState) {
  // Low corner far below fs: poles very close to z = 1.
  const butterworth_config c = make(filter_response::band_pass, 6, 1000.0, 0.05, 8.0);
  const std::vector<biquad_coefficients> sos = design_butterworth(c);
  for (const biquad_coefficients& s : sos) {
    // Poles of 1 + a1 z^-1 + a2 z^-2 strictly inside the unit circle.
    const std::complex<double> disc = std::sqrt(std::complex<double>(s.a1 * s.a1 - 4.0 * s.a2));
    EXPECT_LT(std::abs(0.5 * (-s.a1 + disc)), 1.0);
    EXPECT_LT(std::abs(0.5 * (-s.a1 - disc)), 1.0);
  }
  biquad_cascade bq(sos);
  std::vector<double> first;
  double late_energy = 0.0;
  for (int i = 0; i < 600000; ++i) {  // 10 minutes of impulse response
    const double y = bq.process(i == 0 ? 1.0 : 0.0);
    ASSERT_TRUE(std::isfinite(y));
    if (i < 100) first.push_back(y);
    if (i >= 500000) late_energy += y * y;
  }
  EXPECT_LT(late_energy, 1e-20);
  bq.reset();
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(bq.process(i == 0 ? 1.0 : 0.0), first[static_cast<std::size_t>(i)]);
  }
  // A step settles at the DC gain of a band-pass: zero.
  bq.reset();
  double y = 0.0;
  for (int i = 0; i < 600000; ++i) y = bq.process(1000.0);
  EXPECT_NEAR(y, 0.0, 1e-6);
}

TEST(BiquadCascade, BlockProcessingEqualsPerSample) {
  const std::vector<biquad_coefficients> sos =
      design_butterworth(make(filter_response::band_pass, 4, 250.0, 0.5, 8.0));
  std::mt19937 rng(7);
  std::normal_distribution<double> nd;
  std::vector<double> x(5000);
  for (double& v : x) v = nd(rng);
  biquad_cascade a(sos);
  biquad_cascade b(sos);
  std::vector<double> y(x.size());
  b.process(x, y);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(a.process(x[i]), y[i]);
  // In place.
  biquad_cascade c(sos);
  std::vector<double> z = x;
  c.process(z, z);
  EXPECT_EQ(z, y);
}

// settle(x) puts every section in the steady state of a constant input x: feeding x again then
// gives the DC response immediately (0 for a band-pass, x for a low-pass), with no transient.
TEST(BiquadCascade, SettleRemovesTheStartTransient) {
  for (const double fs : rates_hz) {
    biquad_cascade bp(make(filter_response::band_pass, 3, fs, 5.0, 15.0));
    biquad_cascade lp(make(filter_response::low_pass, 4, fs, 0.0, 8.0));
    bp.settle(-7.25);
    lp.settle(-7.25);
    for (int i = 0; i < 100; ++i) {
      EXPECT_NEAR(bp.process(-7.25), 0.0, 1e-12);
      EXPECT_NEAR(lp.process(-7.25), -7.25, 1e-12);
    }
  }
  moving_average ma(5);
  ma.reset(3.0);
  EXPECT_EQ(ma.value(), 3.0);
  EXPECT_EQ(ma.process(8.0), 4.0);
}

TEST(BiquadCascade, GroupDelayOfFirstOrderLowPassMatchesClosedForm) {
  // One-pole low-pass H = g (1 + z^-1) / (1 + a1 z^-1): its delay at DC is
  // 1/2 - a1 / (1 + a1) samples (zero contributes 1/2, pole -a1/(1+a1)).
  for (const double fs : rates_hz) {
    const butterworth_config c = make(filter_response::low_pass, 1, fs, 0.0, 10.0);
    const std::vector<biquad_coefficients> sos = design_butterworth(c);
    const double a1 = sos[0].a1;
    biquad_cascade bq(sos);
    EXPECT_NEAR(bq.group_delay_samples(0.0, fs), 0.5 - a1 / (1.0 + a1), 1e-4);
  }
}

TEST(Butterworth, RejectsBadConfigurations) {
  EXPECT_THROW((void)design_butterworth(make(filter_response::low_pass, 0, 100.0, 0.0, 10.0)),
               std::invalid_argument);
  EXPECT_THROW((void)design_butterworth(make(filter_response::low_pass, 2, 100.0, 0.0, 50.0)),
               std::invalid_argument);
  EXPECT_THROW((void)design_butterworth(make(filter_response::high_pass, 2, 0.0, 1.0, 0.0)),
               std::invalid_argument);
  EXPECT_THROW((void)design_butterworth(make(filter_response::band_pass, 2, 100.0, 10.0, 5.0)),
               std::invalid_argument);
  EXPECT_THROW(biquad_cascade(std::vector<biquad_coefficients>{}), std::invalid_argument);
  biquad_coefficients unstable;
  unstable.a2 = 1.0;
  EXPECT_THROW(biquad_cascade(std::vector<biquad_coefficients>{unstable}), std::invalid_argument);
  EXPECT_THROW(moving_sum(0), std::invalid_argument);
  EXPECT_THROW(moving_average(0), std::invalid_argument);
}

// Oracle: the mean of the last L samples summed from scratch, compared at checkpoints over
// 10^7 samples of data with an offset of 10^6 (so a running sum that only adds and subtracts
// would accumulate rounding of order sqrt(N) * eps * L * 1e6).
TEST(MovingAverage, EqualsNaiveMeanOverTenMillionSamplesWithoutDrift) {
  constexpr std::size_t n = 10'000'000;
  for (const std::size_t len : {std::size_t{1}, std::size_t{37}, std::size_t{250}}) {
    moving_average ma(len);
    std::vector<double> ring(len, 0.0);
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> ud(-1.0, 1.0);
    double max_err = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = 1.0e6 + 1000.0 * ud(rng);
      ring[i % len] = x;
      const double got = ma.process(x);
      if (i % 9973 == 0 || i + 2000 >= n) {
        double s = 0.0;
        for (const double v : ring) s += v;
        max_err = std::max(max_err, std::abs(got - s / static_cast<double>(len)));
      }
    }
    // Error of a single summation of len values of 1e6: a few ulp of 1e6 (2.3e-10 each).
    EXPECT_LT(max_err, 1e-8) << "length " << len;
  }
}

TEST(MovingSum, LeadingZerosAndExactIntegerSums) {
  moving_sum s(4);
  const double xs[] = {1, 2, 3, 4, 5, 6, 7};
  const double want[] = {1, 3, 6, 10, 14, 18, 22};
  for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(s.process(xs[i]), want[i]);
  s.reset();
  EXPECT_EQ(s.sum(), 0.0);
  EXPECT_EQ(s.process(9.0), 9.0);
  EXPECT_EQ(samples_for_duration(0.12, 360.0), 43u);
  EXPECT_EQ(samples_for_duration(0.001, 100.0), 1u);
}

}  // namespace
}  // namespace resonant::dsp
