package com.example.tasks;

import dev.fennel.task.BadArguments;
import dev.fennel.task.FennelTask;
import dev.fennel.task.TaskProvider;

/** This project's tasks: each {@code @FennelTask} method is one, found through its services file. */
public final class MyTasks implements TaskProvider {
  /** What {@code quote} takes: a JSON object, by its field names. */
  public record Order(String item, int quantity, double unitPrice) {}

  /** What {@code quote} answers: written as a JSON object. */
  public record Quote(String item, int quantity, double total) {}

  /** The task {@code quote}: the total price of an order. */
  @FennelTask("quote")
  public Quote quote(Order order) {
    if (order.quantity() < 1) {
      throw new BadArguments("quantity must be at least 1, got " + order.quantity());
    }
    return new Quote(order.item(), order.quantity(), order.quantity() * order.unitPrice());
  }

  /** The task {@code factorial}: n! for an n from 0 to 20. */
  @FennelTask("factorial")
  public long factorial(int n) {
    if (n < 0 || n > 20) {
      throw new BadArguments("n must be between 0 and 20, got " + n);
    }
    long result = 1;
    for (int i = 2; i <= n; i++) {
      result *= i;
    }
    return result;
  }
}
