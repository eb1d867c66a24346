//! The spec's tool name rule, checked at compile time. It mirrors
//! `oxmcp_core::server::tools::check_tool_name` (a proc-macro crate cannot call into the
//! runtime crate); the unit test below keeps both in agreement.

/// The longest tool name the spec allows.
const MAX_TOOL_NAME_LEN: usize = 128;

/// Checks `name` against `^[A-Za-z0-9_.-]{1,128}$`; the error says what is wrong, in the
/// words the runtime check uses.
pub(crate) fn check_tool_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".to_owned());
    }
    let mut count = 0;
    for (index, character) in name.chars().enumerate() {
        if !(character.is_ascii_alphanumeric() || matches!(character, '_' | '-' | '.')) {
            return Err(format!(
                "the character {character:?} at index {index} is not one of A-Z a-z 0-9 _ - ."
            ));
        }
        count += 1;
    }
    if count > MAX_TOOL_NAME_LEN {
        return Err(format!(
            "the name has {count} characters; at most 128 are allowed"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use oxmcp_core::server::tools::check_tool_name as runtime;

    use super::check_tool_name;

    #[test]
    fn agrees_with_the_runtime_rule() {
        let long = "a".repeat(128);
        let too_long = "a".repeat(129);
        let names = [
            "",
            "a",
            "get_user",
            "admin.tools-list",
            "get user",
            "café",
            "ünïcode",
            "tab\there",
            "slash/name",
            "emoji😀",
            long.as_str(),
            too_long.as_str(),
        ];
        for name in names {
            let ours = check_tool_name(name);
            let theirs = runtime(name).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{name:?}");
        }
    }
}
