/**
 * A Spring Boot web service that runs its image tasks through Fennel. Types are non-null unless
 * marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.examples.spring;

import org.jspecify.annotations.NullMarked;
