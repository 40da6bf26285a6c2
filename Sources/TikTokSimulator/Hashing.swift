/// Deterministic 64-bit mixing used for every generated value (SplitMix64 finaliser).
enum Hashing {
    @inline(__always)
    static func mix(_ input: UInt64) -> UInt64 {
        var z = input &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    static func hash(_ a: UInt64, _ b: UInt64) -> UInt64 {
        mix(mix(a) ^ b)
    }

    @inline(__always)
    static func hash(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        mix(mix(mix(a) ^ b) ^ c)
    }

    @inline(__always)
    static func hash(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> UInt64 {
        mix(mix(mix(mix(a) ^ b) ^ c) ^ d)
    }

    /// A value in `low...high` drawn from `h`.
    @inline(__always)
    static func range(_ h: UInt64, _ low: Int64, _ high: Int64) -> Int64 {
        if high <= low { return low }
        return low + Int64(h % UInt64(high - low + 1))
    }
}
