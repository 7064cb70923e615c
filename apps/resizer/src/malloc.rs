//! glibc malloc tuning, without unsafe code: the process re-executes
//! itself once with `GLIBC_TUNABLES` set.
//!
//! Why: glibc serves each blocking thread from its own arena and, after a
//! large buffer is freed, raises its mmap threshold (up to 32 MB) so the
//! next image's buffers come from the arenas, where freed memory stays
//! fragmented instead of going back to the system. Over the benchmark's
//! 50 photos (2 workers) the peak was 285-305 MB; with one arena shared by
//! all threads it is about 205 MB, at the same CPU time (the workers make
//! few, large allocations, so the arena lock is not contended). A fixed
//! 1-4 MB mmap threshold gave the same peak but cost 15-20% more CPU in
//! page faults.
//!
//! The mmap threshold is then pinned at its ceiling (32 MB) and the trim
//! threshold raised to 256 MB, so a freed decode buffer is reused by the
//! next image instead of being handed back and faulted in again (zeroed
//! by the kernel) one page at a time: on the same 50 photos, page faults
//! went from 143,000-148,000 to 57,000-74,000, system time from 0.36-0.39
//! s to 0.18-0.20 s, and the median wall time of 8 alternating runs from
//! 1.90 to 1.79 s, for 15 MB more at the peak (185-212 MB, against
//! sharp's 390-450). Only buffers over 32 MB (libjpeg's coefficients of
//! a big progressive JPEG) still come from mmap each time.
//!
//! `mallopt` would need unsafe code and glibc reads the
//! environment before `main`, hence the re-exec (same process id, same
//! arguments). A `GLIBC_TUNABLES` already set by the user is left alone.

/// Re-executes the program with the tunables unless `GLIBC_TUNABLES` is
/// already set. Returns (and the run goes on untuned) if that fails.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    use std::os::unix::process::CommandExt as _;

    const TUNABLES: &str = "glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=33554432:\
                            glibc.malloc.trim_threshold=268435456";

    if std::env::var_os("GLIBC_TUNABLES").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
    // `exec` only returns on failure; then run as we are.
    let _failed = std::process::Command::new(&exe)
        .arg0(arg0)
        .args(args)
        .env("GLIBC_TUNABLES", TUNABLES)
        .exec();
}

/// Other platforms: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}
