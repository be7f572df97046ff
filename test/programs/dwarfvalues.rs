// dwarfvalues (Rust): writes known values into a System V segment or a POSIX object, laid out as
// shm::Frame, for the DWARF reader's tests (test/native/ctypes/dwarf/live.test.ts), which read the layout
// from this program's own debug information. Also the Rust corpus of the oracle tests: #[repr(C)]
// and default-layout structs, a tuple, enums with data (tagged and niche-optimized), a C-like
// enum, atomics. NOT part of the extension. std only (no crates): System V through libc's own
// symbols, POSIX objects as files in /dev/shm (what shm_open makes on Linux).
//
//   dwarfvalues sysv KEY     create the segment, write, print "ready SHMID"
//   dwarfvalues posix NAME   the same as /dev/shm/NAME, print "ready 0"
//
// Then it waits for end of input and exits, leaving the object for the test to remove.
#![allow(dead_code)]
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

mod shm {
    use super::*;

    #[repr(u16)]
    #[derive(Clone, Copy)]
    pub enum Level {
        Low = 1,
        High = 300,
    }

    pub enum Command {
        Stop,
        Move { x: i32, y: i32 },
        Say(u8, u64),
    }

    #[repr(C)]
    pub struct Header {
        pub magic: u32,
        pub level: Level,
        pub flags: u8,
    }

    // Default layout: rustc reorders the fields.
    pub struct Stats {
        pub small: u8,
        pub big: u64,
        pub mid: u16,
    }

    #[repr(C)]
    pub struct Frame {
        pub header: Header,
        pub pair: (i16, f64),
        pub stats: Stats,
        pub command: Command,
        pub maybe: Option<u32>,
        pub nonzero: Option<std::num::NonZeroU32>,
        pub counter: AtomicU64,
        pub hits: AtomicU32,
        pub name: [u8; 8],
        pub grid: [[i8; 3]; 2],
        pub ok: bool,
        pub letter: char,
    }
}

extern "C" {
    fn shmget(key: i32, size: usize, flags: i32) -> i32;
    fn shmat(id: i32, address: *const u8, flags: i32) -> *mut u8;
}

fn frame() -> shm::Frame {
    shm::Frame {
        header: shm::Header { magic: 0xC0FFEE, level: shm::Level::High, flags: 9 },
        pair: (-12, 2.5),
        stats: shm::Stats { small: 7, big: 1 << 40, mid: 512 },
        command: shm::Command::Move { x: -5, y: 6 },
        maybe: Some(77),
        nonzero: None,
        counter: AtomicU64::new(9_000_000_000),
        hits: AtomicU32::new(3),
        name: *b"rust-shm",
        grid: [[1, -2, 3], [-4, 5, -6]],
        ok: true,
        letter: 'Z',
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: dwarfvalues sysv KEY | posix NAME");
        std::process::exit(2);
    }
    let value = frame();
    value.counter.fetch_add(1, Ordering::SeqCst);
    let size = std::mem::size_of::<shm::Frame>();
    let bytes = unsafe { std::slice::from_raw_parts(&value as *const shm::Frame as *const u8, size) };
    let mut id = 0;
    if args[1] == "sysv" {
        let text = args[2].trim_start_matches("0x");
        let key = u32::from_str_radix(text, 16).expect("key") as i32;
        id = unsafe { shmget(key, size, 0o1000 | 0o600) };
        if id < 0 {
            eprintln!("shmget failed");
            std::process::exit(1);
        }
        let memory = unsafe { shmat(id, std::ptr::null(), 0) };
        if memory as isize == -1 {
            eprintln!("shmat failed");
            std::process::exit(1);
        }
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), memory, size) };
    } else {
        let mut file = std::fs::OpenOptions::new().create(true).write(true).open(format!("/dev/shm/{}", args[2])).expect("open");
        file.write_all(bytes).expect("write");
    }
    println!("ready {}", id);
    std::io::stdout().flush().unwrap();
    for _ in std::io::stdin().lock().lines() {}
}
