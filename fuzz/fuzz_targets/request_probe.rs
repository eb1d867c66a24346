#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxmcp_fuzz::request_probe(data));
