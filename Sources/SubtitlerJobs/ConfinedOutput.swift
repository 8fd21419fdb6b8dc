import Foundation
import SubtitlerSupport

/// One output file written whole or not at all (a temporary file renamed into place), off the cooperative pool; with
/// roots (the service), the folder is checked against them where the file is opened and renamed.
enum ConfinedOutput {
    /// Writes `data` to `destination`.
    /// - Throws: ``OutputError`` (``OutputError/isOutsideRoots`` when the folder is not under `roots`).
    static func write(_ data: Data, to destination: String, roots: [String]?) async throws {
        let confinement = roots.map(OutputConfinement.init(roots:))
        try await BlockingWork.run(on: .io, "output write") {
            var transaction = OutputTransaction(confinement: confinement)
            do {
                try transaction.stage(data, for: URL(fileURLWithPath: destination))
                try transaction.commit()
            } catch {
                transaction.abort()
                throw error
            }
        }
    }
}
