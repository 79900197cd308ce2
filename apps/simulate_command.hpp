#pragma once

#include <CLI/CLI.hpp>

namespace resonant::apps {

// Registers `resonant simulate --minutes M --signal rr|ecg|ppg --out FILE [--rate HZ]
// [--seed N] [--breathing-rate BPM] [--resonance BPM] [--non-responder] [--mean-hr BPM]
// [--ectopic-per-min N] [--dropout START+SECONDS ...]`: a recording of the simulated subject
// (drivers/sim_subject.hpp) that `resonant analyze` and `resonant beats` read as it is:
//  - rr:  FILE is CSV "time_s,rr_ms" (beat time from the first beat, interval); beats the
//         sensor lost in a dropout are left out, so the time column jumps over the gap;
//  - ecg / ppg: FILE names a WFDB record (FILE, FILE.hea or FILE.dat): FILE.hea and FILE.dat,
//         format 16, one signal described "ECG" (1000 adu/mV) or "PPG" (10000 adu/NU);
// and beside it BASE.truth.csv with the true beats: time_s (R peak; for PPG also the systolic
// peak pulse_s), sample (nearest sample at the waveform's rate), rr_ms, ectopic, dropout,
// breathing_bpm, breathing_phase. Files are created with mode 0600.
void add_simulate_command(CLI::App& app);

}  // namespace resonant::apps
