#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one check every command and the service make before anything is paid for: an output may not be one of its
/// inputs, however it is spelled (`..`, `./`, symbolic links, hard links, another mount of the same file).
package enum OutputGuard {
    /// The first of `inputs` that `output` would overwrite, or nil. An output that does not exist yet overwrites
    /// nothing.
    package static func overwrittenInput(by output: String, inputs: [String]) -> String? {
        var target = stat()
        guard stat(output, &target) == 0 else { return nil }
        return inputs.first { input in
            var info = stat()
            return stat(input, &info) == 0 && info.st_dev == target.st_dev && info.st_ino == target.st_ino
        }
    }
}
