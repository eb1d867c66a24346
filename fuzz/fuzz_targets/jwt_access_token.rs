#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxmcp_fuzz::jwt_access_token(data));
