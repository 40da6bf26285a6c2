import Synchronization

/// What the simulated TikTok remembers of its OAuth side: the authorisation codes its portal issued (each valid once,
/// for `SimulatorOptions.authCodeLifetimeSeconds` of simulated time), and the access tokens that work (the configured
/// one and every token an exchange issued) until revoked.
final class OAuthRegistry: Sendable {
    private struct State {
        /// Code -> when it was issued (epoch seconds of simulated time); nil = never expires (the configured code).
        var codes: [String: Int64?] = [:]
        var usedCodes: Set<String> = []
        var tokens: Set<String> = []
        var revoked: Set<String> = []
        var issued = 0
    }

    enum Redemption: Equatable { case redeemed, unknown, reused, expired }

    private let state: Mutex<State>
    let codeLifetimeSeconds: Int64

    init(configuredToken: String, configuredCode: String, codeLifetimeSeconds: Int64) {
        var initial = State()
        initial.tokens = [configuredToken]
        initial.codes[configuredCode] = .some(nil)
        state = Mutex(initial)
        self.codeLifetimeSeconds = codeLifetimeSeconds
    }

    /// A fresh authorisation code issued now.
    func issueCode(now: Int64) -> String {
        state.withLock { s in
            s.issued += 1
            let code = "sim-code-\(s.issued)-" + Self.randomHex(12)
            s.codes[code] = .some(now)
            return code
        }
    }

    /// Uses up `code`: redeemed once, then `reused`; `expired` once its lifetime has passed.
    func redeem(_ code: String, now: Int64) -> Redemption {
        state.withLock { s in
            guard let issuedAt = s.codes[code] else { return .unknown }
            if s.usedCodes.contains(code) { return .reused }
            if let issuedAt, now - issuedAt > codeLifetimeSeconds { return .expired }
            s.usedCodes.insert(code)
            return .redeemed
        }
    }

    /// A new long-term token, valid until revoked.
    func issueToken() -> String {
        state.withLock { s in
            let token = "act.sim" + Self.randomHex(32)
            s.tokens.insert(token)
            return token
        }
    }

    func isValid(_ token: String) -> Bool {
        state.withLock { $0.tokens.contains(token) }
    }

    /// Revokes `token`; false when it was not a valid token.
    func revoke(_ token: String) -> Bool {
        state.withLock { s in
            guard s.tokens.remove(token) != nil else { return false }
            s.revoked.insert(token)
            return true
        }
    }

    private static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }
}
