/// The kind of object a simulated id names; stored in the id itself.
enum EntityKind: UInt64, Sendable, CaseIterable {
    case advertiser = 1
    case campaign = 2
    case adGroup = 3
    case ad = 4
    case audience = 5
}

/// A decoded simulated id: kind, advertiser index and entity index (per advertiser, flat).
struct DecodedID: Equatable, Sendable {
    var kind: EntityKind
    var advertiser: Int
    var entity: Int
}

/// Encodes (kind, advertiser, entity) into random-looking 19-digit ids and back, without a lookup table.
///
/// payload (18 digits) = kind(1) | check(3) | advertiser(6) | entity(8); scrambled by an affine map
/// mod 10^18, a swap of the two 9-digit halves and a second affine map; then prefixed by a leading
/// digit (7 for advertisers, 1 for everything else) to make 19 digits.
struct IDCodec: Sendable {
    static let modulus: UInt64 = 1_000_000_000_000_000_000
    static let half: UInt64 = 1_000_000_000
    let seed: UInt64
    let a1: UInt64, b1: UInt64, a1Inverse: UInt64
    let a2: UInt64, b2: UInt64, a2Inverse: UInt64

    init(seed: UInt64) {
        self.seed = seed
        func unit(_ salt: UInt64) -> UInt64 {
            var a = Hashing.hash(seed, 0x1D_C0DE, salt) % IDCodec.modulus
            a |= 1
            if a % 5 == 0 { a = (a + 2) % IDCodec.modulus }
            return a
        }
        a1 = unit(1)
        a2 = unit(2)
        b1 = Hashing.hash(seed, 0x1D_C0DE, 3) % IDCodec.modulus
        b2 = Hashing.hash(seed, 0x1D_C0DE, 4) % IDCodec.modulus
        a1Inverse = IDCodec.inverse(a1)
        a2Inverse = IDCodec.inverse(a2)
    }

    static func mulmod(_ a: UInt64, _ b: UInt64) -> UInt64 {
        UInt64((UInt128(a) * UInt128(b)) % UInt128(modulus))
    }

    static func inverse(_ a: UInt64) -> UInt64 {
        var (oldR, r) = (Int128(a), Int128(modulus))
        var (oldS, s) = (Int128(1), Int128(0))
        while r != 0 {
            let q = oldR / r
            (oldR, r) = (r, oldR - q * r)
            (oldS, s) = (s, oldS - q * s)
        }
        var result = oldS % Int128(modulus)
        if result < 0 { result += Int128(modulus) }
        return UInt64(result)
    }

    func check(_ kind: EntityKind, _ advertiser: Int, _ entity: Int) -> UInt64 {
        Hashing.hash(seed ^ 0xC4EC, kind.rawValue, UInt64(advertiser), UInt64(entity)) % 1000
    }

    func encode(_ kind: EntityKind, advertiser: Int, entity: Int) -> UInt64 {
        let payload =
            ((kind.rawValue * 1000 + check(kind, advertiser, entity)) * 1_000_000 + UInt64(advertiser)) * 100_000_000
            + UInt64(entity)
        let y = (IDCodec.mulmod(a1, payload) + b1) % IDCodec.modulus
        let swapped = (y % IDCodec.half) * IDCodec.half + y / IDCodec.half
        let z = (IDCodec.mulmod(a2, swapped) + b2) % IDCodec.modulus
        let lead: UInt64 = kind == .advertiser ? 7 : 1
        return lead * IDCodec.modulus + z
    }

    func decode(_ id: UInt64) -> DecodedID? {
        guard id >= IDCodec.modulus else { return nil }
        let lead = id / IDCodec.modulus
        let z = id % IDCodec.modulus
        let swapped = IDCodec.mulmod(a2Inverse, (z + IDCodec.modulus - b2) % IDCodec.modulus)
        let y = (swapped % IDCodec.half) * IDCodec.half + swapped / IDCodec.half
        let payload = IDCodec.mulmod(a1Inverse, (y + IDCodec.modulus - b1) % IDCodec.modulus)
        let entity = Int(payload % 100_000_000)
        let advertiser = Int((payload / 100_000_000) % 1_000_000)
        let checkDigits = (payload / 100_000_000_000_000) % 1000
        guard let kind = EntityKind(rawValue: payload / 100_000_000_000_000_000) else { return nil }
        guard lead == (kind == .advertiser ? 7 : 1), checkDigits == check(kind, advertiser, entity) else { return nil }
        return DecodedID(kind: kind, advertiser: advertiser, entity: entity)
    }

    func decode(_ text: some StringProtocol) -> DecodedID? {
        guard text.utf8.count == 19, let value = UInt64(text) else { return nil }
        return decode(value)
    }
}
