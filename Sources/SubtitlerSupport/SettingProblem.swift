/// Why a setting cannot be used: which setting, and one line saying why. Validators return it (or nil) instead of a
/// bare string, so a front end can name the setting in its own words (a flag, a JSON field) and tests can check
/// which setting was refused without matching prose.
public struct SettingProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The setting's name as the options type spells it (`maxLines`, `concurrency`); nested settings are dotted
    /// (`style.maxLines`).
    public var setting: String
    /// One line for people: the value and the range it must lie in, e.g. `maxLines 0 is out of range 1...10`.
    public var message: String

    /// Creates a problem with `setting` at fault.
    public init(_ setting: String, _ message: String) {
        self.setting = setting
        self.message = message
    }

    /// The same problem seen from an enclosing options type, whose field `outer` holds the setting: the setting
    /// becomes `outer.setting` and the message says `outer: …`.
    public func nested(in outer: String) -> SettingProblem {
        SettingProblem("\(outer).\(setting)", "\(outer): \(message)")
    }

    public var description: String { message }
}
