// The sound of a session with eyes closed (issue 12), measured from the WAV file of a real
// `resonant session` on the simulated subject: 3 minutes (plus settle and the 60 s after
// phase), speeded up 60x; the WAV follows the session clock, each sound at its session time.
//
// Thresholds stated here:
//   sound at once      RMS over the first second above -40 dBFS, and the start earcon (C5)
//   no gap             no run of 50 ms windows with RMS below -50 dBFS longer than 3 s
//   distinct rest      energy above / below 500 Hz (2nd-order split) in the baseline at least
//                      10x that of the paced phase (noise layer against the harmonic cue)
//   announcement       F4 and A4 (the pacing earcon) 6.5-1.5 s before the cue's onset found
//                      from the sound, 5x stronger than in the baseline before
//   end sound          responder: D5 (the rested arpeggio's top) 5x E4; non-responder: E4
//                      (the neutral earcon) 5x D5, in the last 6 s
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/wav_sink.hpp"
#include "support/cli_run.hpp"
#include "support/scratch_dir.hpp"
#include "support/wav_analysis.hpp"

namespace {

namespace rt = resonant::test;

struct rendered {
  std::string out;
  std::vector<float> x;
  double fs = 0.0;
  [[nodiscard]] double length_s() const { return static_cast<double>(x.size()) / fs; }
  // The end earcons' tones in the last 6 s: D5 (top of the rested arpeggio), E4 (neutral).
  [[nodiscard]] double end_d5() const {
    return resonant::test::tone_amplitude(x, fs, 587.33, length_s() - 6.0, length_s());
  }
  [[nodiscard]] double end_e4() const {
    return resonant::test::tone_amplitude(x, fs, 329.63, length_s() - 6.0, length_s());
  }
};

class session_sound : public rt::scratch_dir_test {
 protected:
  rendered run_session(const std::string& source) const {
    const auto wav = (dir_ / "s.wav").string();
    const auto r =
        rt::run_resonant("session --source " + source + " --minutes 3 --audio wav:" + wav,
                         "RESONANT_HOME=" + (dir_ / "home").string());
    EXPECT_EQ(r.exit_code, 0) << r.out;
    const auto w = resonant::drivers::read_wav(wav);
    return {r.out, w.channel(0), w.sample_rate_hz};
  }

  // What every session sounds like: at once, without gaps, a calm layer distinct from the
  // cue, and the announcement before the cue. Returns the cue's onset (s).
  static double expect_guided(const rendered& s) {
    const double fs = s.fs;
    EXPECT_GT(rt::rms_dbfs(s.x, fs, 0.0, 1.0), -40.0);
    EXPECT_GT(rt::tone_amplitude(s.x, fs, 523.25, 0.0, 1.0), 0.01) << "start earcon";

    const auto quiet = rt::longest_quiet(s.x, fs, 0.05, -50.0);
    EXPECT_LE(quiet.length_s, 3.0) << "silent from " << quiet.start_s << " s";

    // Pacing starts at ~70 s (settle ~10 s + 60 s baseline).
    const double onset = rt::cue_onset(s.x, fs, 20.0, 210.0, 340.0);
    EXPECT_GT(onset, 60.0);
    EXPECT_LT(onset, 80.0);
    if (!std::isfinite(onset)) return onset;

    const double rest = rt::high_low_ratio(s.x, fs, onset - 40.0, onset - 10.0, 500.0);
    const double paced = rt::high_low_ratio(s.x, fs, onset + 20.0, onset + 80.0, 500.0);
    EXPECT_GT(rest, 10.0 * paced) << "rest " << rest << ", paced " << paced;
    // The rest layer is soft: below the cue's loudness by more than 10 dB.
    EXPECT_LT(rt::rms_dbfs(s.x, fs, onset - 40.0, onset - 10.0),
              rt::rms_dbfs(s.x, fs, onset + 20.0, onset + 80.0) - 10.0);

    for (const double hz : {349.23, 440.0}) {
      const double before = rt::tone_amplitude(s.x, fs, hz, onset - 6.5, onset - 1.5);
      const double baseline = rt::tone_amplitude(s.x, fs, hz, onset - 25.0, onset - 20.0);
      EXPECT_GT(before, 5.0 * baseline) << hz << " Hz: " << before << " vs " << baseline;
      EXPECT_GT(before, 0.003) << hz << " Hz";
    }
    return onset;
  }
};

TEST_F(session_sound, a_responder_hears_start_rest_announcement_cue_and_the_rested_end) {
  const auto s = run_session("sim:speed=60");
  ASSERT_NE(s.out.find("More rested"), std::string::npos) << s.out;
  expect_guided(s);
  EXPECT_GT(s.end_d5(), 5.0 * s.end_e4()) << "D5 " << s.end_d5() << ", E4 " << s.end_e4();
}

TEST_F(session_sound, a_non_responder_hears_the_neutral_end) {
  const auto s = run_session("sim:speed=60,responder=no");
  ASSERT_NE(s.out.find("No clear change"), std::string::npos) << s.out;
  expect_guided(s);
  EXPECT_GT(s.end_e4(), 5.0 * s.end_d5()) << "D5 " << s.end_d5() << ", E4 " << s.end_e4();
}

}  // namespace
