package dev.flashsale.inventory;

import java.util.UUID;

/** Where the inventory learns what has really been sold; the ordering module provides it. */
public interface CommittedSales {

    SoldUnits soldUnits(UUID productId);
}
