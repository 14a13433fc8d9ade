/**
 * The wire format: task and result records, their JSON codecs and the topic names; what a client in
 * another language mirrors. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.protocol;

import org.jspecify.annotations.NullMarked;
