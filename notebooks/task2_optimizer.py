# %% [markdown] locked
# # NN debug. Задание {{task}}
#
# {{badge}}
#
# В этой тетрадке мы рассмотрим несколько проблем с обучением сеток и способы их решения.
#
# *Лучше решать эту домашку в колабе* (Runtime → Change runtime type → GPU).

# %% include: imports

# %% include: setup

# %% [markdown] locked
# # Data
#
# Для обучения сеток мы будем использовать MNIST.
#
# Ячейка выше скачивает архив с [Google Drive](https://drive.google.com/file/d/1xo-AIG2E6cTZbWGti1A5lp5FDtf4aHx_/view?usp=sharing)
# и распаковывает его в текущую папку (если папки `mnist_data` ещё нет). Его структура следующая:
# - /
#     - /train.csv
#     - /val.csv
#     - /train/{image_name}.png
#     - /val/{image_name}.png
#
# CSV файлы содержат название файла и его лейбл: image_name, label.

# %% include: mnist_dataset

# %% [markdown] locked
# ## Задание 2
# **({{points}} балла)** Запустите обучение сети в ячейках ниже. За {{epochs}} эпох сетка не покажет качества
# выше случайного угадывания.
#
# *Вопросы:*
# 1. Почему сетка так плохо учится?
# 1. Найдите ошибку в коде и объясните, почему найденная ошибка вызывает подобное поведение в обучении?
#
# *Requirements:*
# 1. Напишите ответы в markdown ячейке перед следующим заданием (ячейка `task2_explanation` ниже).
# 1. В следующей ячейке (после вашего ответа, `task2_fix`) вставьте код с исправлением ошибки.
#
# Ячейки с данным кодом (модель, `Trainer`, запуск обучения) менять нельзя: при проверке они
# восстанавливаются. Всё исправление пишите в ячейку `task2_fix`: она должна заново создать `model`, `opt`
# и `trainer` с исправлением. Ячейка после неё запустит `trainer.train({{epochs}})`.

# %% include: resnet18

# %% include: trainer

# %% locked id=experiment
mnist_train = MNISTDataset(images_dir_path='./mnist_data/train/',
                           description_csv_path='./mnist_data/train.csv')
mnist_val = MNISTDataset(images_dir_path='./mnist_data/val/',
                         description_csv_path='./mnist_data/val.csv')

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=10e-2, weight_decay=9e-1)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp2')

# %% locked id=train
trainer.train({{epochs}})

# %% include: tensorboard

# %% [markdown] answer id=task2_explanation
# Ошибка в оптимизаторе: слишком большой weight decay (`weight_decay=9e-1`, L2-регуляризация) вместе с
# большим learning rate (`lr=10e-2`). Каждый шаг SGD умножает веса на `1 - lr * weight_decay = 0.91`, и этот
# штраф сильнее градиента задачи: веса стягиваются к нулю быстрее, чем сеть успевает выучить признаки,
# поэтому выход почти не зависит от картинки и качество остаётся на уровне случайного угадывания.
# Исправление: убрать (или сильно уменьшить) weight decay и взять `lr=1e-2`.

# %% answer id=task2_fix
### BEGIN SOLUTION
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp2_fixed')
### END SOLUTION

# %% locked id=train_fixed
trainer.train({{epochs}})

# %% include: tensorboard

# %% test id=task2_fix_visible points=0
# Проверка, которую можно запустить самому: после исправления сеть учится.
# %include val_accuracy

accuracy = val_accuracy(trainer.model, mnist_val)
print(f'accuracy на валидации: {accuracy:.3f}')
assert accuracy > 0.5, 'сеть всё ещё плохо учится: ищите ошибку дальше'

# %% test id=task2_fix_learns points=fix
# Скрытые тесты: модель с вашим оптимизатором учится на данных проверки, и веса не стягиваются к нулю.
### BEGIN HIDDEN TESTS
# Оценку этой ячейки ставит проверяющая программа вне вашего ядра (nndebug.verify): по записи
# обучения из ячейки `train_fixed` и по весам обученной модели.
### END HIDDEN TESTS

# %% test id=task2_explanation_rubric points=explanation
# Скрытые тесты: ответ в ячейке task2_explanation сверяется с рубрикой (причина и механизм).
### BEGIN HIDDEN TESTS
# Оценку этой ячейки ставит проверяющая программа вне вашего ядра (nndebug.verify): по тексту
# ответа в ячейке task2_explanation.
### END HIDDEN TESTS
