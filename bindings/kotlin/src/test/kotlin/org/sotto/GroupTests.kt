package org.sotto

val groupTests = listOf(
    "group of three, then a removal locks the removed member out" to {
        val ids = List(3) { Identity.generate() }
        val keys = ids.map { it.publicKey }
        val gid = bytes("family")
        val groups = keys.indices.map { i -> Group(ids[i], gid, keys.filterIndexed { j, _ -> j != i }) }
        for (i in groups.indices) {
            val d = groups[i].distribution()
            for (j in groups.indices) if (j != i) groups[j].processDistribution(keys[i], d)
        }
        // Bob forwarding Alice's distribution to Carol as his own is refused.
        assertError(SottoError.INVALID_SIGNATURE) { groups[2].processDistribution(keys[1], groups[0].distribution()) }
        val m = groups[0].encrypt(bytes("hi all"))
        assertEquals(bytes("hi all"), groups[1].decrypt(keys[0], m))
        assertEquals(bytes("hi all"), groups[2].decrypt(keys[0], m))
        assertError(SottoError.DUPLICATE_MESSAGE) { groups[1].decrypt(keys[0], m) }
        val forged = groups[0].encrypt(bytes("x"))
        assertError(SottoError.UNKNOWN_SENDER_KEY) { groups[2].decrypt(keys[1], forged) }
        forged[forged.size - 1] = (forged[forged.size - 1].toInt() xor 1).toByte()
        assertError(SottoError.INVALID_SIGNATURE) { groups[2].decrypt(keys[0], forged) }

        // Carol (2) is removed: Alice rotates and redistributes to Bob only.
        val fresh = groups[0].removeMember(keys[2])
        groups[1].removeMember(keys[2])
        groups[1].processDistribution(keys[0], fresh)
        val after = groups[0].encrypt(bytes("without Carol"))
        assertEquals(bytes("without Carol"), groups[1].decrypt(keys[0], after))
        assertError(SottoError.UNKNOWN_SENDER_KEY) { groups[2].decrypt(keys[0], after) }
        assertError(SottoError.NOT_A_MEMBER) { groups[0].processDistribution(keys[2], groups[2].distribution()) }
        assertError(SottoError.LIMIT_EXCEEDED) { Group(ids[0], ByteArray(0), keys) }
        Group.fromExported(groups[1].exported()).use { assertEquals(bytes("again"), it.decrypt(keys[0], groups[0].encrypt(bytes("again")))) }
        (groups + ids).forEach { it.close() }
    },
)
